import { useState } from 'react';
import { Badge, DateText, DateTime, Empty, ErrorBox, Loading, Money, PageHeader, Panel, Stat, useAsync } from '../components/ui';
import { EmployeeName } from '../directory';
import { api, listAll, seg } from '../lib/api';
import { ACTIVITY_KINDS, apiEnum, enumName } from '../lib/enums';
import { sumCents, toCents } from '../lib/format';
import { newRequestId } from '../lib/ids';
import type { Activity, Customer, Order } from '../lib/types';
import { useSession } from '../session';

/** Activities newest first. */
export function sortActivities(list: Activity[]): Activity[] {
  return [...list].sort((a, b) => (b.occurredAt ?? '').localeCompare(a.occurredAt ?? '') || b.id.localeCompare(a.id));
}

const KIND_ICON: Record<string, string> = { CALL: '☎', VISIT: '⌂', MEETING: '◎', EMAIL: '✉', FOLLOW_UP: '↻' };

export function CustomerDetailPage({ id }: { id: string }) {
  const { t } = useSession();
  const customer = useAsync(() => api.get<Customer>(`/v1/customers/${seg(id)}`), [id]);
  const activities = useAsync(() => listAll<{ activities?: Activity[] }, Activity>('/v1/activities', { customerId: id, pageSize: 200 }, (r) => r.activities, 1000), [id]);
  const orders = useAsync(() => listAll<{ orders?: Order[] }, Order>('/v1/orders', { customerId: id, pageSize: 200 }, (r) => r.orders, 1000), [id]);
  const c = customer.data;

  return (
    <div data-testid="customer-detail">
      <p className="crumbs">
        <a href="#/customers" data-testid="back-to-customers">
          ← {t('customers.title')}
        </a>
      </p>
      <ErrorBox error={customer.error} />
      {customer.loading && !c ? (
        <Loading />
      ) : c ? (
        <>
          <PageHeader
            title={<span data-testid="customer-name">{c.name}</span>}
            subtitle={
              <span className="badges">
                <Badge group="tier" value={c.tier} testId="customer-tier" /> <Badge group="stage" value={c.stage} testId="customer-stage" />
                {c.tags?.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))}
              </span>
            }
          />
          <div className="stats">
            <Stat label={t('customers.creditLimit')} value={toCents(c.creditLimit) > 0n ? <Money cents={c.creditLimit} currency={c.currency} testId="credit-limit" /> : t('customers.noLimit')} />
            <Stat label={t('customers.openReceivables')} value={<Money cents={c.openReceivables} currency={c.currency} testId="open-receivables" />} />
            <Stat label={t('customers.owner')} value={c.ownerId ? <EmployeeName id={c.ownerId} /> : t('customers.pool')} />
            <Stat label={t('customers.lastActivity')} value={c.lastEffectiveActivityTime ? <DateTime ts={c.lastEffectiveActivityTime} /> : '–'} />
          </div>
          <div className="two-col">
            <div className="stack">
              <Panel title={t('customers.profile')}>
                <dl className="kv">
                  <dt>{t('customers.region')}</dt>
                  <dd>{[c.region?.province, c.region?.city].filter(Boolean).join(' · ') || '–'}</dd>
                  <dt>{t('customers.industry')}</dt>
                  <dd>{c.industry || '–'}</dd>
                  <dt>{t('customers.kind')}</dt>
                  <dd>{c.kind || '–'}</dd>
                  <dt>{t('customers.created')}</dt>
                  <dd>
                    <DateTime ts={c.createTime} testId="customer-created" />
                  </dd>
                  {c.notes && (
                    <>
                      <dt>{t('customers.notes')}</dt>
                      <dd>{c.notes}</dd>
                    </>
                  )}
                </dl>
                {c.contacts?.length > 0 && (
                  <>
                    <h3 className="sub">{t('customers.contacts')}</h3>
                    <table className="table compact" data-testid="contacts">
                      <tbody>
                        {c.contacts.map((ct, i) => (
                          <tr key={ct.id ?? i}>
                            <td>
                              <strong>{ct.name}</strong> {ct.decisionMaker && <span className="tag">{t('customers.decisionMaker')}</span>}
                              <div className="muted small">{ct.title}</div>
                            </td>
                            <td className="small">
                              {ct.phone}
                              <div>{ct.email}</div>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                )}
              </Panel>
            </div>
            <ActivityPanel customer={c} activities={activities.data ?? []} loading={activities.loading} error={activities.error} onLogged={(a) => activities.setData(sortActivities([a, ...(activities.data ?? [])]))} />
          </div>
          <div className="after-cols">
            <OrdersPanel orders={orders.data ?? []} loading={orders.loading} error={orders.error} currency={c.currency} />
          </div>
        </>
      ) : null}
    </div>
  );
}

function OrdersPanel({ orders, loading, error, currency }: { orders: Order[]; loading: boolean; error: unknown; currency: string }) {
  const { t, tEnum } = useSession();
  const sorted = [...orders].sort((a, b) => (b.signedAt ?? '').localeCompare(a.signedAt ?? ''));
  const cur = orders[0]?.currency || currency || 'CNY';
  const signed = sumCents(orders.map((o) => o.amount));
  const paid = sumCents(orders.map((o) => o.paid));
  return (
    <Panel title={t('customers.orders')} testId="orders-panel">
      <ErrorBox error={error} />
      {loading ? (
        <Loading />
      ) : orders.length === 0 ? (
        <Empty testId="orders-empty">{t('customers.noOrders')}</Empty>
      ) : (
        <table className="table" data-testid="orders-table">
          <thead>
            <tr>
              <th>{t('customers.signedAt')}</th>
              <th>{t('customers.orderKind')}</th>
              <th>{t('customers.productLine')}</th>
              <th className="right">{t('customers.amount')}</th>
              <th className="right">{t('customers.paid')}</th>
              <th className="right">{t('customers.outstanding')}</th>
              <th>{t('customers.status')}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((o) => (
              <tr key={o.id} data-testid={`order-${o.id}`}>
                <td className="nowrap">
                  <DateText date={o.signedAt} testId="order-date" />
                </td>
                <td className="nowrap">{tEnum('orderKind', o.kind)}</td>
                <td>{o.productLine || '–'}</td>
                <td className="right">
                  <Money cents={o.amount} currency={o.currency || cur} testId="order-amount" />
                </td>
                <td className="right">
                  <Money cents={o.paid} currency={o.currency || cur} />
                </td>
                <td className="right">
                  <Money cents={sumCents([o.amount, -toCents(o.paid)])} currency={o.currency || cur} />
                </td>
                <td>{o.paidInFull ? <span className="tag tag-green">{t('customers.paidInFull')}</span> : <span className="tag">{t('customers.open')}</span>}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={3}>{t('customers.total', { count: orders.length })}</th>
              <th className="right">
                <Money cents={signed} currency={cur} testId="orders-total" />
              </th>
              <th className="right">
                <Money cents={paid} currency={cur} testId="orders-paid" />
              </th>
              <th className="right">
                <Money cents={signed - paid} currency={cur} testId="orders-outstanding" />
              </th>
              <th />
            </tr>
          </tfoot>
        </table>
      )}
    </Panel>
  );
}

function ActivityPanel({ customer, activities, loading, error, onLogged }: { customer: Customer; activities: Activity[]; loading: boolean; error: unknown; onLogged: (a: Activity) => void }) {
  const { t, tEnum } = useSession();
  const [kind, setKind] = useState('VISIT');
  const [summary, setSummary] = useState('');
  const [effective, setEffective] = useState(true);
  const [busy, setBusy] = useState(false);
  const [logError, setLogError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const list = sortActivities(activities);
  const log = async () => {
    setBusy(true);
    setLogError(null);
    try {
      const a = await api.post<Activity>('/v1/activities', { customerId: customer.id, kind: apiEnum('ACTIVITY_KIND_', kind), effective, summary: summary.trim(), requestId: newRequestId() });
      onLogged(a);
      setSummary('');
      setOpen(false);
    } catch (e) {
      setLogError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel
      title={t('customers.timeline')}
      testId="activity-panel"
      actions={
        <button type="button" className="btn btn-secondary btn-small" onClick={() => setOpen(!open)} data-testid="log-activity">
          + {t('customers.logActivity')}
        </button>
      }
    >
      {open && (
        <div className="log-form">
          <div className="grid-form">
            <label className="field">
              <span className="field-label">{t('customers.activityKind')}</span>
              <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="activity-kind">
                {ACTIVITY_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {tEnum('activity', k)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field checkbox">
              <input type="checkbox" checked={effective} onChange={(e) => setEffective(e.target.checked)} data-testid="activity-effective" /> {t('customers.effective')}
            </label>
            <label className="field span-4">
              <span className="field-label">{t('customers.summary')}</span>
              <textarea rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} data-testid="activity-summary" />
            </label>
          </div>
          <ErrorBox error={logError} />
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={busy} onClick={log} data-testid="activity-save">
              {t('common.save')}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
      {loading ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty testId="activities-empty">{t('customers.noActivities')}</Empty>
      ) : (
        <ol className="timeline" data-testid="activity-timeline">
          {list.map((a) => (
            <li key={a.id} data-testid={`activity-${a.id}`}>
              <span className={`timeline-dot kind-${enumName(a.kind, 'ACTIVITY_KIND_').toLowerCase()}`} aria-hidden>
                {KIND_ICON[enumName(a.kind, 'ACTIVITY_KIND_')] ?? '•'}
              </span>
              <div className="timeline-body">
                <div className="timeline-head">
                  <strong>{tEnum('activity', a.kind)}</strong>
                  {a.effective && <span className="tag tag-green">{t('customers.effective')}</span>}
                  <span className="muted small">
                    <DateTime ts={a.occurredAt} testId="activity-time" /> · <EmployeeName id={a.employeeId} />
                  </span>
                </div>
                {a.summary && <p className="timeline-text">{a.summary}</p>}
                {a.nextFollowUpAt && (
                  <div className="muted small">
                    {t('customers.nextFollowUp')}: <DateTime ts={a.nextFollowUpAt} />
                  </div>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
