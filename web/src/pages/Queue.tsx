import { useEffect, useMemo, useState } from 'react';
import { GoalCardView, TaskEditor } from '../components/goalcard';
import { Badge, Dialog, Empty, ErrorBox, Loading, PageHeader, PeriodText, Tabs, useAsync } from '../components/ui';
import { EmployeeName, getDepartments, topManagedDepartments } from '../directory';
import { api, listAll, seg } from '../lib/api';
import { formatScore } from '../lib/format';
import { editableTask, groupOf, isScore, nextActions, validateTasks, weightedScore, type Group } from '../lib/goalcard';
import { hasRole } from '../lib/jwt';
import type { GoalCard, GoalTask } from '../lib/types';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

async function loadQueue(me: string, admin: boolean): Promise<GoalCard[]> {
  const pick = (r: { goalCards?: GoalCard[] }) => r.goalCards;
  let cards: GoalCard[] = [];
  if (admin) {
    cards = await listAll('/v1/goalCards', { pageSize: 500 }, pick, 5000);
  } else {
    const depts = topManagedDepartments(await getDepartments(), me);
    const lists = await Promise.all(depts.map((d) => listAll('/v1/goalCards', { departmentId: d.id, pageSize: 500 }, pick, 5000)));
    cards = lists.flat();
  }
  const seen = new Map<string, GoalCard>();
  for (const c of cards) if (c.employeeId !== me) seen.set(c.id, c);
  return [...seen.values()].sort((a, b) => (b.updateTime ?? '').localeCompare(a.updateTime ?? '') || b.id.localeCompare(a.id));
}

export function QueuePage() {
  const { t, claims } = useSession();
  const route = useRoute();
  const me = claims?.sub ?? '';
  const admin = hasRole(claims, 'admin');
  const { data, error, loading, reload, setData } = useAsync(() => loadQueue(me, admin), [me, admin]);
  const cards = useMemo(() => data ?? [], [data]);
  const selectedId = route.query.card;
  const selected = cards.find((c) => c.id === selectedId);
  const [tab, setTab] = useState<Group>('review');
  useEffect(() => {
    if (selected) setTab(groupOf(selected.state));
  }, [selected?.id]); // only when another card is picked, not on each edit of it
  const counts = (g: Group) => cards.filter((c) => groupOf(c.state) === g).length;
  const shown = cards.filter((c) => groupOf(c.state) === tab);
  const replace = (c: GoalCard) => setData(cards.map((x) => (x.id === c.id ? c : x)));

  return (
    <div data-testid="queue-page">
      <PageHeader
        title={t('queue.title')}
        subtitle={t('queue.subtitle')}
        actions={
          <button type="button" className="btn btn-ghost" onClick={reload} data-testid="queue-reload">
            ↻ {t('common.reload')}
          </button>
        }
      />
      <ErrorBox error={error} />
      <Tabs
        testId="queue-tabs"
        active={tab}
        onChange={(k) => {
          setTab(k);
          navigate('/queue');
        }}
        tabs={[
          { key: 'review', label: t('queue.tab.review'), count: counts('review') },
          { key: 'score', label: t('queue.tab.score'), count: counts('score') },
          { key: 'close', label: t('queue.tab.close'), count: counts('close') },
          { key: 'active', label: t('queue.tab.active'), count: counts('active') },
          { key: 'closed', label: t('queue.tab.closed'), count: counts('closed') },
        ]}
      />
      {loading && !data ? (
        <Loading />
      ) : (
        <div className="split">
          <div className="split-side panel">
            {shown.length === 0 ? (
              <Empty testId="queue-empty">{t('queue.empty')}</Empty>
            ) : (
              <ul className="list" data-testid="queue-list">
                {shown.map((c) => (
                  <li key={c.id}>
                    <a href={`#/queue?card=${encodeURIComponent(c.id)}`} className={c.id === selectedId ? 'list-item active' : 'list-item'} data-testid={`queue-card-${c.id}`}>
                      <span>
                        <strong>
                          <EmployeeName id={c.employeeId} />
                        </strong>
                        <span className="muted small">
                          {' '}
                          · <PeriodText period={c.period} />
                        </span>
                      </span>
                      <Badge group="state" value={c.state} />
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="split-main">{selected ? <ReviewCard key={selected.id} card={selected} onChange={replace} onReload={reload} /> : <Empty>{t('queue.pick')}</Empty>}</div>
        </div>
      )}
    </div>
  );
}

function ReviewCard({ card, onChange, onReload }: { card: GoalCard; onChange: (c: GoalCard) => void; onReload: () => void }) {
  const { t, locale } = useSession();
  const actions = nextActions(card, 'manager');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'none' | 'return' | 'close'>('none');
  const [reason, setReason] = useState('');
  const [feedback, setFeedback] = useState('');
  const [editing, setEditing] = useState(false);
  const [tasks, setTasks] = useState<GoalTask[]>(card.tasks);
  const [scores, setScores] = useState<Record<string, string>>({});
  const [done, setDone] = useState('');
  useEffect(() => {
    setTasks(card.tasks);
    setScores({});
  }, [card.etag]); // a new version of the card resets the forms

  const run = async (fn: () => Promise<GoalCard>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      const c = await fn();
      setDone(message);
      onChange(c);
      return c;
    } catch (e) {
      setError(e);
      if ((e as { code?: number }).code === 10) onReload();
      return null;
    } finally {
      setBusy(false);
    }
  };
  const path = `/v1/goalCards/${seg(card.id)}`;
  const scoreMap: Record<string, number | undefined> = {};
  for (const x of card.tasks) if (isScore(scores[x.id ?? ''] ?? '')) scoreMap[x.id ?? ''] = Number(scores[x.id ?? '']);
  const preview = weightedScore(card.tasks, scoreMap);

  const buttons = (
    <>
      {actions.includes('edit') && !editing && (
        <button type="button" className="btn btn-ghost" onClick={() => setEditing(true)} data-testid="queue-edit">
          {t('common.edit')}
        </button>
      )}
      {actions.includes('return') && (
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setDialog('return')} data-testid="queue-return">
          {t('queue.return')}
        </button>
      )}
      {actions.includes('approve') && (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run(() => api.post<GoalCard>(`${path}:approve`, { etag: card.etag }), t('queue.done.approved'))} data-testid="queue-approve">
          {t('queue.approve')}
        </button>
      )}
      {actions.includes('close') && (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setDialog('close')} data-testid="queue-close">
          {t('queue.close')}
        </button>
      )}
    </>
  );

  return (
    <div className="stack">
      {done && (
        <div className="alert alert-success" data-testid="queue-done" role="status">
          {done}
        </div>
      )}
      {editing ? (
        <section className="panel">
          <div className="panel-head">
            <h2>
              {t('goals.editing')} · <EmployeeName id={card.employeeId} />
            </h2>
          </div>
          <div className="panel-body">
            <TaskEditor tasks={tasks} onChange={setTasks} />
            <ErrorBox error={error} />
            <div className="form-actions">
              <button type="button" className="btn btn-ghost" onClick={() => setEditing(false)}>
                {t('common.cancel')}
              </button>
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy || validateTasks(tasks).length > 0}
                onClick={async () => {
                  const c = await run(() => api.patch<GoalCard>(path, { id: card.id, etag: card.etag, tasks: tasks.map(editableTask) }, { updateMask: 'tasks' }), t('queue.done.saved'));
                  if (c) setEditing(false);
                }}
              >
                {t('common.save')}
              </button>
            </div>
          </div>
        </section>
      ) : (
        <GoalCardView card={card} actions={buttons} showEmployee>
          <ErrorBox error={error} />
        </GoalCardView>
      )}
      {actions.includes('score') && (
        <section className="panel" data-testid="score-form">
          <div className="panel-head">
            <h2>{t('queue.score')}</h2>
            <span className="muted small">{t('queue.scoreHint')}</span>
          </div>
          <div className="panel-body">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('goals.task.title')}</th>
                  <th className="right">{t('goals.task.weight')}</th>
                  <th className="right">{t('goals.task.selfScore')}</th>
                  <th>{t('goals.task.score')} (0–100)</th>
                </tr>
              </thead>
              <tbody>
                {card.tasks.map((x, i) => (
                  <tr key={x.id}>
                    <td>
                      {x.title}
                      {x.selfNote && <div className="small note">“{x.selfNote}”</div>}
                    </td>
                    <td className="right num">{x.weight}%</td>
                    <td className="right num">{formatScore(x.selfScore, locale)}</td>
                    <td>
                      <input type="number" min={0} max={100} step="0.5" className="input-score" value={scores[x.id ?? ''] ?? ''} onChange={(e) => setScores({ ...scores, [x.id ?? '']: e.target.value })} data-testid={`score-${i}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="form-actions">
              <span className="muted" data-testid="score-preview">
                {t('goals.cardScore')}: <strong>{formatScore(preview, locale)}</strong>
              </span>
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy || preview === null}
                onClick={() => run(() => api.post<GoalCard>(`${path}:score`, { tasks: card.tasks.map((x) => ({ taskId: x.id, score: Number(scores[x.id ?? '']) })) }), t('queue.done.scored'))}
                data-testid="score-submit"
              >
                {t('queue.scoreSubmit')}
              </button>
            </div>
          </div>
        </section>
      )}
      {dialog === 'return' && (
        <Dialog title={t('queue.returnTitle')} onClose={() => setDialog('none')} testId="return-dialog">
          <label className="field">
            <span className="field-label">{t('queue.reason')}</span>
            <textarea rows={4} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="return-reason-input" autoFocus placeholder={t('queue.reasonPlaceholder')} />
          </label>
          <ErrorBox error={error} />
          <div className="form-actions">
            <button type="button" className="btn btn-ghost" onClick={() => setDialog('none')}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy || !reason.trim()}
              onClick={async () => {
                const c = await run(() => api.post<GoalCard>(`${path}:return`, { reason: reason.trim(), etag: card.etag }), t('queue.done.returned'));
                if (c) setDialog('none');
              }}
              data-testid="return-confirm"
            >
              {t('queue.return')}
            </button>
          </div>
        </Dialog>
      )}
      {dialog === 'close' && (
        <Dialog title={t('queue.closeTitle')} onClose={() => setDialog('none')} testId="close-dialog">
          <p className="muted small">{t('queue.closeHint')}</p>
          <label className="field">
            <span className="field-label">{t('goals.feedback')}</span>
            <textarea rows={4} value={feedback} onChange={(e) => setFeedback(e.target.value)} data-testid="close-feedback" autoFocus />
          </label>
          <ErrorBox error={error} />
          <div className="form-actions">
            <button type="button" className="btn btn-ghost" onClick={() => setDialog('none')}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={async () => {
                const c = await run(() => api.post<GoalCard>(`${path}:close`, { feedback: feedback.trim() }), t('queue.done.closed'));
                if (c) setDialog('none');
              }}
              data-testid="close-confirm"
            >
              {t('queue.close')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
