import { useEffect, useState } from 'react';
import { GoalCardView, TaskEditor, problemText } from '../components/goalcard';
import { Badge, Empty, ErrorBox, Loading, PageHeader, PeriodText, useAsync } from '../components/ui';
import { api, listAll, seg } from '../lib/api';
import { enumName } from '../lib/enums';
import { formatScore } from '../lib/format';
import { blankTask, editableTask, isScore, nextActions, validateTasks } from '../lib/goalcard';
import { newRequestId } from '../lib/ids';
import { apiPeriod, periodContaining, today } from '../lib/period';
import type { GoalCard, GoalTask } from '../lib/types';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

function sortCards(cards: GoalCard[]): GoalCard[] {
  return [...cards].sort((a, b) => (b.period?.startDate ?? '').localeCompare(a.period?.startDate ?? '') || b.id.localeCompare(a.id));
}

export function GoalCardsPage() {
  const { t, claims } = useSession();
  const route = useRoute();
  const me = claims?.sub ?? '';
  const { data, error, loading, reload, setData } = useAsync(
    () => listAll<{ goalCards?: GoalCard[] }, GoalCard>('/v1/goalCards', { employeeId: me, pageSize: 200 }, (r) => r.goalCards),
    [me],
  );
  const cards = sortCards(data ?? []);
  const creating = route.query.new === '1';
  // Without a choice: the card that needs the employee (returned or draft), else the newest.
  const selectedId = route.query.card ?? (creating ? undefined : (cards.find((c) => ['RETURNED', 'DRAFT'].includes(enumName(c.state, 'GOAL_CARD_STATE_'))) ?? cards[0])?.id);
  const selected = cards.find((c) => c.id === selectedId);

  const replace = (card: GoalCard) => setData(sortCards([...(data ?? []).filter((c) => c.id !== card.id), card]));

  return (
    <div data-testid="goals-page">
      <PageHeader
        title={t('goals.title')}
        subtitle={t('goals.subtitle')}
        actions={
          <a className="btn btn-primary" href="#/goals?new=1" data-testid="card-new">
            + {t('goals.new')}
          </a>
        }
      />
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <div className="split">
          <div className="split-side panel">
            <div className="panel-head">
              <h2>{t('goals.mine')}</h2>
            </div>
            {cards.length === 0 ? (
              <Empty testId="goals-empty">{t('goals.empty')}</Empty>
            ) : (
              <ul className="list" data-testid="goal-card-list">
                {cards.map((c) => (
                  <li key={c.id}>
                    <a href={`#/goals?card=${encodeURIComponent(c.id)}`} className={c.id === selectedId ? 'list-item active' : 'list-item'} data-testid={`goal-card-${c.id}`}>
                      <span>
                        <PeriodText period={c.period} />
                        <span className="muted small"> · {t('goals.taskCount', { count: c.tasks?.length ?? 0 })}</span>
                      </span>
                      <Badge group="state" value={c.state} />
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="split-main">
            {creating ? (
              <NewCard
                onCreated={(c) => {
                  replace(c);
                  navigate('/goals', { card: c.id });
                }}
              />
            ) : selected ? (
              <MyCard key={selected.id + selected.etag} card={selected} onChange={replace} onReload={reload} />
            ) : (
              !loading && <Empty>{t('goals.pick')}</Empty>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function NewCard({ onCreated }: { onCreated: (c: GoalCard) => void }) {
  const { t, timeZone } = useSession();
  const [month, setMonth] = useState(() => today(timeZone).slice(0, 7));
  const [tasks, setTasks] = useState<GoalTask[]>([blankTask(100)]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [requestId] = useState(newRequestId);
  const problems = validateTasks(tasks);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<GoalCard>('/v1/goalCards', {
        period: apiPeriod(periodContaining('MONTH', `${month}-01`)),
        tasks: tasks.map(editableTask),
        requestId,
      });
      onCreated(c);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" data-testid="new-card">
      <div className="panel-head">
        <h2>{t('goals.new')}</h2>
      </div>
      <div className="panel-body">
        <label className="field inline">
          <span className="field-label">{t('goals.month')}</span>
          <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} data-testid="new-card-month" />
        </label>
        <TaskEditor tasks={tasks} onChange={setTasks} />
        <ErrorBox error={error} />
        <div className="form-actions">
          <a className="btn btn-ghost" href="#/goals">
            {t('common.cancel')}
          </a>
          <button type="button" className="btn btn-primary" disabled={busy || problems.length > 0} onClick={create} data-testid="new-card-create">
            {t('goals.create')}
          </button>
        </div>
      </div>
    </section>
  );
}

function MyCard({ card, onChange, onReload }: { card: GoalCard; onChange: (c: GoalCard) => void; onReload: () => void }) {
  const { t } = useSession();
  const actions = nextActions(card, 'employee');
  const [editing, setEditing] = useState(false);
  const [tasks, setTasks] = useState<GoalTask[]>(card.tasks);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState<'none' | 'self' | 'progress'>('none');

  const run = async (fn: () => Promise<GoalCard>) => {
    setBusy(true);
    setError(null);
    try {
      const c = await fn();
      onChange(c);
      return c;
    } catch (e) {
      setError(e);
      if ((e as { code?: number }).code === 10) onReload(); // ABORTED: stale etag
      return null;
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    const c = await run(() => api.patch<GoalCard>(`/v1/goalCards/${seg(card.id)}`, { id: card.id, etag: card.etag, tasks: tasks.map(editableTask) }, { updateMask: 'tasks' }));
    if (c) setEditing(false);
    return c;
  };

  const submit = async () => {
    let etag = card.etag;
    if (editing) {
      const c = await save();
      if (!c) return;
      etag = c.etag;
    }
    await run(() => api.post<GoalCard>(`/v1/goalCards/${seg(card.id)}:submit`, { etag }));
  };

  const buttons = (
    <>
      {actions.includes('edit') && !editing && (
        <button type="button" className="btn btn-secondary" onClick={() => setEditing(true)} data-testid="card-edit">
          {t('common.edit')}
        </button>
      )}
      {actions.includes('submit') && (
        <button type="button" className="btn btn-primary" disabled={busy || (editing && validateTasks(tasks).length > 0)} onClick={submit} data-testid="card-submit">
          {t('goals.submit')}
        </button>
      )}
      {actions.includes('progress') && (
        <button type="button" className="btn btn-secondary" onClick={() => setMode(mode === 'progress' ? 'none' : 'progress')} data-testid="card-progress">
          {t('goals.recordProgress')}
        </button>
      )}
      {actions.includes('selfAssess') && (
        <button type="button" className="btn btn-primary" onClick={() => setMode(mode === 'self' ? 'none' : 'self')} data-testid="card-self-assess">
          {t('goals.selfAssess')}
        </button>
      )}
    </>
  );

  if (editing) {
    const problems = validateTasks(tasks);
    return (
      <section className="panel" data-testid="goal-card-edit">
        <div className="panel-head">
          <h2>
            {t('goals.editing')} · <PeriodText period={card.period} />
          </h2>
          <Badge group="state" value={card.state} />
        </div>
        <div className="panel-body">
          {enumName(card.state, 'GOAL_CARD_STATE_') === 'RETURNED' && card.returnReason && (
            <div className="alert alert-warn" data-testid="return-reason">
              <strong>{t('goals.returnedBecause')}</strong> {card.returnReason}
            </div>
          )}
          <TaskEditor tasks={tasks} onChange={setTasks} />
          <ErrorBox error={error} />
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setTasks(card.tasks);
                setEditing(false);
              }}
            >
              {t('common.cancel')}
            </button>
            <button type="button" className="btn btn-secondary" disabled={busy || problems.length > 0} onClick={save} data-testid="card-save">
              {t('common.save')}
            </button>
            <button type="button" className="btn btn-primary" disabled={busy || problems.length > 0} onClick={submit} data-testid="card-save-submit">
              {t('goals.saveAndSubmit')}
            </button>
          </div>
          {problems.length > 0 && <p className="muted small">{problemText(t, problems[0])}</p>}
        </div>
      </section>
    );
  }

  return (
    <div className="stack">
      <GoalCardView card={card} actions={buttons}>
        <ErrorBox error={error} />
      </GoalCardView>
      {mode === 'self' && <SelfAssessForm card={card} busy={busy} onSubmit={(body) => run(() => api.post<GoalCard>(`/v1/goalCards/${seg(card.id)}:selfAssess`, body)).then((c) => c && setMode('none'))} />}
      {mode === 'progress' && <ProgressForm card={card} busy={busy} onSubmit={(taskId, percent, note) => run(() => api.post<GoalCard>(`/v1/goalCards/${seg(card.id)}/tasks/${seg(taskId)}:recordProgress`, { percent, note }))} />}
    </div>
  );
}

function SelfAssessForm({ card, busy, onSubmit }: { card: GoalCard; busy: boolean; onSubmit: (body: unknown) => void }) {
  const { t, locale } = useSession();
  const [scores, setScores] = useState<Record<string, string>>({});
  const [notes, setNotes] = useState<Record<string, string>>({});
  const ok = card.tasks.every((x) => isScore(scores[x.id ?? ''] ?? ''));
  return (
    <section className="panel" data-testid="self-assess-form">
      <div className="panel-head">
        <h2>{t('goals.selfAssess')}</h2>
        <span className="muted small">{t('goals.selfNotCounted')}</span>
      </div>
      <div className="panel-body">
        <table className="table">
          <thead>
            <tr>
              <th>{t('goals.task.title')}</th>
              <th className="right">{t('goals.task.weight')}</th>
              <th>{t('goals.task.selfScore')} (0–100)</th>
              <th>{t('goals.note')}</th>
            </tr>
          </thead>
          <tbody>
            {card.tasks.map((x, i) => (
              <tr key={x.id}>
                <td>{x.title}</td>
                <td className="right num">{x.weight}%</td>
                <td>
                  <input type="number" min={0} max={100} step="0.5" className="input-score" value={scores[x.id ?? ''] ?? ''} onChange={(e) => setScores({ ...scores, [x.id ?? '']: e.target.value })} data-testid={`self-score-${i}`} />
                </td>
                <td>
                  <input value={notes[x.id ?? ''] ?? ''} onChange={(e) => setNotes({ ...notes, [x.id ?? '']: e.target.value })} data-testid={`self-note-${i}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="form-actions">
          <span className="muted small">
            {t('goals.selfTotal')}: {formatScore(card.tasks.reduce((s, x) => s + (x.weight * Number(scores[x.id ?? ''] || 0)) / 100, 0), locale)}
          </span>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !ok}
            onClick={() => onSubmit({ tasks: card.tasks.map((x) => ({ taskId: x.id, selfScore: Number(scores[x.id ?? '']), note: notes[x.id ?? ''] ?? '' })) })}
            data-testid="self-assess-submit"
          >
            {t('goals.selfAssessSubmit')}
          </button>
        </div>
      </div>
    </section>
  );
}

function ProgressForm({ card, busy, onSubmit }: { card: GoalCard; busy: boolean; onSubmit: (taskId: string, percent: number, note: string) => void }) {
  const { t } = useSession();
  const [taskId, setTaskId] = useState(card.tasks[0]?.id ?? '');
  const task = card.tasks.find((x) => x.id === taskId);
  const [percent, setPercent] = useState(String(task?.progressPercent ?? 0));
  const [note, setNote] = useState('');
  useEffect(() => {
    setPercent(String(task?.progressPercent ?? 0));
  }, [taskId, task?.progressPercent]);
  const n = Number(percent);
  return (
    <section className="panel" data-testid="progress-form">
      <div className="panel-head">
        <h2>{t('goals.recordProgress')}</h2>
      </div>
      <div className="panel-body grid-form">
        <label className="field span-2">
          <span className="field-label">{t('goals.task.title')}</span>
          <select value={taskId} onChange={(e) => setTaskId(e.target.value)} data-testid="progress-task">
            {card.tasks.map((x) => (
              <option key={x.id} value={x.id}>
                {x.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('goals.task.progress')} (%)</span>
          <input type="number" min={0} max={100} step={1} value={percent} onChange={(e) => setPercent(e.target.value)} data-testid="progress-percent" />
        </label>
        <label className="field span-3">
          <span className="field-label">{t('goals.note')}</span>
          <input value={note} onChange={(e) => setNote(e.target.value)} data-testid="progress-note" />
        </label>
        <div className="form-actions span-4">
          <button type="button" className="btn btn-primary" disabled={busy || !Number.isInteger(n) || n < 0 || n > 100 || !taskId} onClick={() => onSubmit(taskId, n, note)} data-testid="progress-submit">
            {t('common.save')}
          </button>
        </div>
      </div>
    </section>
  );
}
