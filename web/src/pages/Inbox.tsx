import { useState } from 'react';
import { DateTime, Empty, ErrorBox, Loading, PageHeader, Panel, Tabs } from '../components/ui';
import { translate, type MessageKey } from '../i18n';
import { useInbox } from '../inbox';
import { formatRelative } from '../lib/format';
import { routeForLink } from '../router';
import { useSession } from '../session';

export function InboxPage() {
  const { t, locale, timeZone } = useSession();
  // A notice without a rendered title: the event type's name.
  const eventTitle = (type: string) => {
    const s = translate(locale, `event.${type}`);
    return s === `event.${type}` ? type : s;
  };
  const { notices, unreadCount, state, loaded, error, fresh, markRead, markAllRead, reload } = useInbox();
  const [filter, setFilter] = useState<'all' | 'unread' | 'tasks'>('all');
  const [actionError, setActionError] = useState<unknown>(null);
  const shown = notices.filter((n) => (filter === 'unread' ? !n.read : filter === 'tasks' ? n.category === 'my_tasks' : true));
  const act = async (fn: () => Promise<void>) => {
    setActionError(null);
    try {
      await fn();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <div data-testid="inbox-page">
      <PageHeader
        title={t('inbox.title')}
        subtitle={
          <span>
            <span className={`live-dot live-${state}`} /> {t(`inbox.stream.${state}` as MessageKey)} · {t('inbox.unreadCount', { count: unreadCount })}
          </span>
        }
        actions={
          <>
            <button type="button" className="btn btn-ghost" onClick={() => void reload()} data-testid="inbox-reload">
              ↻ {t('common.reload')}
            </button>
            <button type="button" className="btn btn-secondary" disabled={unreadCount === 0} onClick={() => act(markAllRead)} data-testid="mark-all-read">
              {t('inbox.markAllRead')}
            </button>
          </>
        }
      />
      <ErrorBox error={error || actionError} />
      <Tabs
        testId="inbox-tabs"
        active={filter}
        onChange={setFilter}
        tabs={[
          { key: 'all', label: t('inbox.all'), count: notices.length },
          { key: 'unread', label: t('inbox.unread'), count: unreadCount },
          { key: 'tasks', label: t('inbox.myTasks'), count: notices.filter((n) => n.category === 'my_tasks').length },
        ]}
      />
      <Panel>
        {!loaded ? (
          <Loading />
        ) : shown.length === 0 ? (
          <Empty testId="inbox-empty">{t('inbox.empty')}</Empty>
        ) : (
          <ul className="notices" data-testid="inbox-list">
            {shown.map((n) => {
              const href = routeForLink(n.link, n.eventType);
              return (
                <li key={n.id} className={`notice ${n.read ? 'read' : 'unread'} ${fresh.has(n.id) ? 'fresh' : ''} ${n.critical ? 'critical' : ''}`} data-testid={`notice-${n.id}`} data-read={n.read ? 'true' : 'false'} data-event-type={n.eventType}>
                  <span className="notice-dot" aria-hidden />
                  <div className="notice-main">
                    <div className="notice-head">
                      <strong className="notice-title" data-testid="notice-title">
                        {n.title || eventTitle(n.eventType)}
                      </strong>
                      {n.category === 'my_tasks' && <span className="tag tag-blue">{t('inbox.myTasks')}</span>}
                      {n.critical && <span className="tag tag-red">{t('inbox.critical')}</span>}
                    </div>
                    {n.body && (
                      <p className="notice-body" data-testid="notice-body">
                        {n.body}
                      </p>
                    )}
                    <div className="notice-meta muted small">
                      <span title={n.createTime}>{formatRelative(n.createTime, locale, Date.now(), timeZone)}</span>
                      {' · '}
                      <DateTime ts={n.createTime} />
                      {href && (
                        <>
                          {' · '}
                          <a href={href} onClick={() => !n.read && void act(() => markRead([n.id]))} data-testid="notice-open">
                            {t('inbox.open')}
                          </a>
                        </>
                      )}
                    </div>
                  </div>
                  {!n.read && (
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => act(() => markRead([n.id]))} data-testid={`mark-read-${n.id}`}>
                      {t('inbox.markRead')}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Panel>
    </div>
  );
}
