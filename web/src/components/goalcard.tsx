import type { ReactNode } from 'react';
import { EmployeeName } from '../directory';
import { enumName, TASK_KINDS } from '../lib/enums';
import { formatScore } from '../lib/format';
import { blankTask, MAX_TASKS, validateTasks, weightSum, type TaskProblem } from '../lib/goalcard';
import type { GoalCard, GoalTask } from '../lib/types';
import { useSession, type T } from '../session';
import { Badge, DateText, DateTime, PeriodText } from './ui';

export function problemText(t: T, p: TaskProblem): string {
  switch (p.kind) {
    case 'count':
      return t('goals.problem.count', { max: MAX_TASKS });
    case 'title':
      return t('goals.problem.title', { n: p.index + 1 });
    case 'weight':
      return t('goals.problem.weight', { n: p.index + 1 });
    case 'sum':
      return t('goals.problem.sum', { sum: p.sum });
  }
}

/** A card read-only: header, return reason, tasks, history. `actions` go in the header. */
export function GoalCardView({ card, actions, showEmployee, children }: { card: GoalCard; actions?: ReactNode; showEmployee?: boolean; children?: ReactNode }) {
  const { t, locale } = useSession();
  const state = enumName(card.state, 'GOAL_CARD_STATE_');
  return (
    <section className="panel" data-testid="goal-card-view" data-card-id={card.id} data-state={state}>
      <div className="panel-head">
        <h2>
          {showEmployee && (
            <>
              <EmployeeName id={card.employeeId} /> ·{' '}
            </>
          )}
          <PeriodText period={card.period} /> <Badge group="state" value={card.state} testId="card-state" />
        </h2>
        <div className="row-actions">{actions}</div>
      </div>
      <div className="panel-body">
        {card.score !== undefined && card.score !== null && (
          <div className="score-line" data-testid="card-score">
            {t('goals.cardScore')}: <strong>{formatScore(card.score, locale)}</strong>
          </div>
        )}
        {state === 'RETURNED' && card.returnReason && (
          <div className="alert alert-warn" data-testid="return-reason">
            <strong>{t('goals.returnedBecause')}</strong> {card.returnReason}
          </div>
        )}
        {card.feedback && (
          <div className="alert alert-info" data-testid="card-feedback">
            <strong>{t('goals.feedback')}:</strong> {card.feedback}
          </div>
        )}
        <TaskTable tasks={card.tasks} />
        {children}
        {card.history?.length > 0 && (
          <details className="history">
            <summary>{t('goals.history', { count: card.history.length })}</summary>
            <ol className="timeline compact">
              {card.history.map((h, i) => (
                <li key={i}>
                  <span className="timeline-dot" />
                  <div>
                    <Badge group="state" value={h.to} /> <EmployeeName id={h.actorId} /> · <DateTime ts={h.time} />
                    {h.reason && <div className="muted">“{h.reason}”</div>}
                  </div>
                </li>
              ))}
            </ol>
          </details>
        )}
      </div>
    </section>
  );
}

export function TaskTable({ tasks }: { tasks: GoalTask[] }) {
  const { t, tEnum, locale } = useSession();
  return (
    <table className="table tasks" data-testid="task-table">
      <thead>
        <tr>
          <th>#</th>
          <th>{t('goals.task.title')}</th>
          <th>{t('goals.task.kind')}</th>
          <th className="right">{t('goals.task.weight')}</th>
          <th>{t('goals.task.due')}</th>
          <th>{t('goals.task.progress')}</th>
          <th className="right">{t('goals.task.selfScore')}</th>
          <th className="right">{t('goals.task.score')}</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task, i) => (
          <tr key={task.id ?? i} data-testid={`task-row-${task.id ?? i}`}>
            <td className="muted">{i + 1}</td>
            <td>
              <div className="task-title">{task.title}</div>
              {task.keyResult && (
                <div className="muted small">
                  {t('goals.task.keyResult')}: {task.keyResult}
                </div>
              )}
              {task.quality && (
                <div className="muted small">
                  {t('goals.task.quality')}: {task.quality}
                </div>
              )}
              {task.selfNote && <div className="small note">“{task.selfNote}”</div>}
            </td>
            <td>{tEnum('taskKind', task.kind)}</td>
            <td className="right num">{task.weight}%</td>
            <td>{task.dueDate ? <DateText date={task.dueDate} /> : '–'}</td>
            <td>
              <div className="mini-progress" title={task.progressNote || ''}>
                <div style={{ width: `${Math.min(100, task.progressPercent ?? 0)}%` }} />
              </div>
              <span className="small num">{task.progressPercent ?? 0}%</span>
            </td>
            <td className="right num">{formatScore(task.selfScore, locale)}</td>
            <td className="right num">{formatScore(task.score, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Edits the tasks of a card (1–6, weights summing to 100). */
export function TaskEditor({ tasks, onChange }: { tasks: GoalTask[]; onChange: (tasks: GoalTask[]) => void }) {
  const { t, tEnum } = useSession();
  const sum = weightSum(tasks);
  const problems = validateTasks(tasks);
  const set = (i: number, patch: Partial<GoalTask>) => onChange(tasks.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <div className="task-editor" data-testid="task-editor">
      {tasks.map((task, i) => (
        <fieldset key={i} className="task-edit" data-testid={`task-edit-${i}`}>
          <legend>
            {t('goals.task.n', { n: i + 1 })}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(tasks.filter((_, j) => j !== i))} disabled={tasks.length <= 1} data-testid={`task-remove-${i}`}>
              {t('common.remove')}
            </button>
          </legend>
          <div className="grid-form">
            <label className="field span-2">
              <span className="field-label">{t('goals.task.title')}</span>
              <input value={task.title} onChange={(e) => set(i, { title: e.target.value })} data-testid={`task-title-${i}`} maxLength={200} />
            </label>
            <label className="field">
              <span className="field-label">{t('goals.task.kind')}</span>
              <select value={enumName(task.kind, 'TASK_KIND_')} onChange={(e) => set(i, { kind: e.target.value })} data-testid={`task-kind-${i}`}>
                {TASK_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {tEnum('taskKind', k)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">{t('goals.task.weight')} (%)</span>
              <input type="number" min={1} max={100} step={1} value={Number.isFinite(task.weight) ? task.weight : ''} onChange={(e) => set(i, { weight: e.target.value === '' ? NaN : Number(e.target.value) })} data-testid={`task-weight-${i}`} />
            </label>
            <label className="field span-2">
              <span className="field-label">{t('goals.task.keyResult')}</span>
              <input value={task.keyResult} onChange={(e) => set(i, { keyResult: e.target.value })} data-testid={`task-key-result-${i}`} />
            </label>
            <label className="field">
              <span className="field-label">{t('goals.task.due')}</span>
              <input type="date" value={task.dueDate} onChange={(e) => set(i, { dueDate: e.target.value })} data-testid={`task-due-${i}`} />
            </label>
            <label className="field">
              <span className="field-label">{t('goals.task.quality')}</span>
              <input value={task.quality} onChange={(e) => set(i, { quality: e.target.value })} />
            </label>
          </div>
        </fieldset>
      ))}
      <div className="editor-foot">
        <button type="button" className="btn btn-secondary" onClick={() => onChange([...tasks, blankTask(Math.max(0, 100 - sum))])} disabled={tasks.length >= MAX_TASKS} data-testid="task-add">
          + {t('goals.addTask')}
        </button>
        <span className={sum === 100 ? 'weight-sum ok' : 'weight-sum bad'} data-testid="weight-sum">
          {t('goals.weightSum', { sum })}
        </span>
      </div>
      {problems.length > 0 && (
        <ul className="problems" data-testid="task-problems">
          {problems.map((p, i) => (
            <li key={i}>{problemText(t, p)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
