import { useEffect, useRef, useState } from 'react';
import { Badge, DateText, DateTime, Empty, ErrorBox, Loading, PageHeader, Panel, Tabs, useAsync } from '../components/ui';
import { EmployeeName } from '../directory';
import { api } from '../lib/api';
import { apiEnum, STAGES, TIERS } from '../lib/enums';
import { today } from '../lib/period';
import type { Customer, DueVisit } from '../lib/types';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

export function CustomersPage({ tab }: { tab: 'search' | 'due' }) {
  const { t } = useSession();
  return (
    <div data-testid="customers-page">
      <PageHeader title={t('customers.title')} subtitle={t('customers.subtitle')} />
      <Tabs
        testId="customer-tabs"
        active={tab}
        onChange={(k) => navigate(k === 'due' ? '/dueVisits' : '/customers')}
        tabs={[
          { key: 'search', label: t('customers.tab.search') },
          { key: 'due', label: t('customers.tab.due') },
        ]}
      />
      {tab === 'search' ? <CustomerSearch /> : <DueVisits />}
    </div>
  );
}

function CustomerSearch() {
  const { t } = useSession();
  const route = useRoute();
  const [input, setInput] = useState(route.query.q ?? '');
  const [query, setQuery] = useState(route.query.q ?? '');
  const [tier, setTier] = useState(route.query.tier ?? '');
  const [stage, setStage] = useState(route.query.stage ?? '');
  const composing = useRef(false);

  // Debounced search; not while an IME is composing (pinyin → 华为).
  useEffect(() => {
    if (composing.current) return;
    const h = setTimeout(() => setQuery(input.trim()), 250);
    return () => clearTimeout(h);
  }, [input]);

  useEffect(() => {
    const q = { q: query || undefined, tier: tier || undefined, stage: stage || undefined };
    const cur = route.query;
    if ((cur.q ?? '') !== (q.q ?? '') || (cur.tier ?? '') !== (q.tier ?? '') || (cur.stage ?? '') !== (q.stage ?? '')) navigate('/customers', q);
  }, [query, tier, stage]); // the URL follows the search, not the other way round

  const { data, error, loading } = useAsync(
    () =>
      api.get<{ customers?: Customer[]; nextPageToken?: string }>('/v1/customers', {
        query,
        tier: tier && apiEnum('TIER_', tier),
        stage: stage && apiEnum('STAGE_', stage),
        pageSize: 50,
        orderBy: query ? 'name' : '-update_time',
      }),
    [query, tier, stage],
  );
  const customers = data?.customers ?? [];

  return (
    <Panel>
      <form
        className="search-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(input.trim());
        }}
      >
        <input
          type="search"
          className="search-input"
          placeholder={t('customers.searchPlaceholder')}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onCompositionStart={() => (composing.current = true)}
          onCompositionEnd={(e) => {
            composing.current = false;
            const v = (e.target as HTMLInputElement).value;
            setInput(v);
            setQuery(v.trim());
          }}
          data-testid="customer-search"
          aria-label={t('customers.searchPlaceholder')}
          autoFocus
        />
        <select value={tier} onChange={(e) => setTier(e.target.value)} data-testid="customer-tier-filter" aria-label={t('customers.tier')}>
          <option value="">{t('customers.allTiers')}</option>
          {TIERS.map((x) => (
            <option key={x} value={x}>
              {t(`tier.${x}`)}
            </option>
          ))}
        </select>
        <select value={stage} onChange={(e) => setStage(e.target.value)} data-testid="customer-stage-filter" aria-label={t('customers.stage')}>
          <option value="">{t('customers.allStages')}</option>
          {STAGES.map((x) => (
            <option key={x} value={x}>
              {t(`stage.${x}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-primary" data-testid="customer-search-submit">
          {t('common.search')}
        </button>
      </form>
      <p className="muted small">{t('customers.searchHint')}</p>
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : customers.length === 0 ? (
        <Empty testId="customers-empty">{query ? t('customers.noMatch', { query }) : t('customers.empty')}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table hover" data-testid="customer-results" aria-busy={loading}>
            <thead>
              <tr>
                <th>{t('customers.name')}</th>
                <th>{t('customers.tier')}</th>
                <th>{t('customers.stage')}</th>
                <th>{t('customers.region')}</th>
                <th>{t('customers.owner')}</th>
                <th>{t('customers.lastActivity')}</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => (
                <tr key={c.id} data-testid={`customer-row-${c.id}`} onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(`/customers/${encodeURIComponent(c.id)}`)}>
                  <td>
                    <a href={`#/customers/${encodeURIComponent(c.id)}`} className="strong" data-testid="customer-link">
                      {c.name}
                    </a>
                    {c.industry && <div className="muted small">{c.industry}</div>}
                  </td>
                  <td>
                    <Badge group="tier" value={c.tier} />
                  </td>
                  <td>
                    <Badge group="stage" value={c.stage} />
                  </td>
                  <td>{[c.region?.province, c.region?.city].filter(Boolean).join(' · ') || '–'}</td>
                  <td>{c.ownerId ? <EmployeeName id={c.ownerId} /> : <span className="muted">{t('customers.pool')}</span>}</td>
                  <td>{c.lastEffectiveActivityTime ? <DateTime ts={c.lastEffectiveActivityTime} /> : <span className="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data?.nextPageToken && <p className="muted small">{t('customers.more')}</p>}
        </div>
      )}
    </Panel>
  );
}

function DueVisits() {
  const { t, timeZone } = useSession();
  const route = useRoute();
  const asOf = route.query.asOf || today(timeZone);
  const { data, error, loading } = useAsync(() => api.get<{ dueVisits?: DueVisit[] }>('/v1/dueVisits', { asOf, pageSize: 200 }), [asOf]);
  const visits = data?.dueVisits ?? [];
  return (
    <Panel>
      <div className="due-head">
        <p className="muted small">{t('customers.dueHint')}</p>
        <label className="field inline">
          <span className="field-label">{t('customers.asOf')}</span>
          <input type="date" value={asOf} onChange={(e) => e.target.value && navigate('/dueVisits', { asOf: e.target.value })} data-testid="due-as-of" />
        </label>
      </div>
      <ErrorBox error={error} />
      {loading ? (
        <Loading />
      ) : visits.length === 0 ? (
        <Empty testId="due-empty">{t('customers.noDue')}</Empty>
      ) : (
        <table className="table hover" data-testid="due-visits">
          <thead>
            <tr>
              <th>{t('customers.name')}</th>
              <th>{t('customers.tier')}</th>
              <th>{t('customers.lastVisit')}</th>
              <th>{t('customers.dueDate')}</th>
              <th className="right">{t('customers.overdue')}</th>
            </tr>
          </thead>
          <tbody>
            {visits.map((v) => (
              <tr key={v.customerId} className={v.daysOverdue > 0 ? 'row-warn' : ''} onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(`/customers/${encodeURIComponent(v.customerId)}`)} data-testid={`due-row-${v.customerId}`}>
                <td>
                  <a href={`#/customers/${encodeURIComponent(v.customerId)}`} className="strong">
                    {v.customerName}
                  </a>
                </td>
                <td>
                  <Badge group="tier" value={v.tier} />
                </td>
                <td>{v.lastVisitTime ? <DateTime ts={v.lastVisitTime} /> : <span className="muted">{t('customers.neverVisited')}</span>}</td>
                <td>
                  <DateText date={v.dueDate} />
                </td>
                <td className="right num">{v.daysOverdue > 0 ? t('customers.daysOverdue', { days: v.daysOverdue }) : t('customers.dueToday')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
