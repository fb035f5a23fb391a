import { useMemo } from 'react';
import { Histogram } from '../components/charts';
import { Badge, Empty, ErrorBox, Loading, Money, PageHeader, Panel, PeriodText, Stat, useAsync } from '../components/ui';
import { EmployeeName, useDepartments } from '../directory';
import { api, ApiError, listAll } from '../lib/api';
import { enumName } from '../lib/enums';
import { formatNumber, formatScore, toCents } from '../lib/format';
import { hasRole } from '../lib/jwt';
import { apiPeriod, granularityOfCycle, periodContaining, shiftPeriod, today } from '../lib/period';
import type { Distribution, Evaluation, Leaderboard, Period, Scheme } from '../lib/types';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

export function ScoringPage() {
  const { t, claims, me, timeZone } = useSession();
  const route = useRoute();
  const schemes = useAsync(() => listAll<{ schemes?: Scheme[] }, Scheme>('/v1/schemes', { pageSize: 100 }, (r) => r.schemes, 500), []);
  const { list: departments } = useDepartments();
  const list = schemes.data ?? [];
  const scheme = list.find((s) => s.id === route.query.scheme) ?? list[0];
  const granularity = granularityOfCycle(scheme?.cycle ?? 'MONTHLY');
  const period: Period = useMemo(() => {
    if (route.query.period) {
      try {
        return periodContaining(granularity, route.query.period);
      } catch {
        /* fall through */
      }
    }
    // Evaluations run after a period ends: the last complete one by default.
    return shiftPeriod(periodContaining(granularity, today(timeZone)), -1);
  }, [route.query.period, granularity, timeZone]);
  const admin = hasRole(claims, 'admin');
  const department = route.query.dept ?? (admin ? '' : me?.departmentId ?? '');
  const evaluationId = route.query.evaluation;
  const set = (patch: Record<string, string | undefined>) =>
    navigate('/scoring', { scheme: scheme?.id, period: period.startDate, dept: route.query.dept, evaluation: evaluationId, ...patch });

  const query = scheme ? { schemeId: scheme.id, period: apiPeriod(period), departmentId: department } : null;
  const ready = !!scheme && (admin || !!department || !!me);

  const evaluation = useAsync(async () => {
    if (!scheme) return null;
    try {
      if (evaluationId) return await api.get<Evaluation>('/v1/evaluations:get', { id: evaluationId });
      return await api.get<Evaluation>('/v1/evaluations:get', { schemeId: scheme.id, subjectId: claims?.sub ?? '', period: apiPeriod(period) });
    } catch (e) {
      if (e instanceof ApiError && e.notFound) return null;
      throw e;
    }
  }, [scheme?.id, period.startDate, evaluationId, claims?.sub]);
  const board = useAsync(() => (ready && query ? api.get<Leaderboard>('/v1/leaderboard', { ...query, topN: 20 }) : Promise.resolve(null)), [ready, scheme?.id, period.startDate, department]);
  const dist = useAsync(() => (ready && query ? api.get<Distribution>('/v1/distribution', query) : Promise.resolve(null)), [ready, scheme?.id, period.startDate, department]);

  return (
    <div data-testid="scoring-page">
      <PageHeader title={t('scoring.title')} subtitle={t('scoring.subtitle')} />
      <ErrorBox error={schemes.error} />
      {schemes.loading && !schemes.data ? (
        <Loading />
      ) : !scheme ? (
        <Empty testId="schemes-empty">{t('scoring.noSchemes')}</Empty>
      ) : (
        <>
          <div className="toolbar" data-testid="scoring-toolbar">
            <label className="field inline">
              <span className="field-label">{t('scoring.scheme')}</span>
              <select value={scheme.id} onChange={(e) => set({ scheme: e.target.value, period: undefined, evaluation: undefined })} data-testid="scheme-select">
                {list.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <div className="period-picker" data-testid="period-picker">
              <button type="button" className="btn btn-ghost btn-small" onClick={() => set({ period: shiftPeriod(period, -1).startDate, evaluation: undefined })} aria-label={t('common.previous')} data-testid="period-prev">
                ‹
              </button>
              <PeriodText period={period} testId="period-label" />
              <button type="button" className="btn btn-ghost btn-small" onClick={() => set({ period: shiftPeriod(period, 1).startDate, evaluation: undefined })} aria-label={t('common.next')} data-testid="period-next">
                ›
              </button>
            </div>
            <label className="field inline">
              <span className="field-label">{t('scoring.department')}</span>
              <select value={department} onChange={(e) => set({ dept: e.target.value })} data-testid="department-select">
                {admin && <option value="">{t('scoring.wholeOrg')}</option>}
                {!admin && !department && <option value="">–</option>}
                {departments.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <EvaluationPanel state={evaluation} scheme={scheme} viewingOther={!!evaluationId} onBack={() => set({ evaluation: undefined })} />
          <div className="two-col">
            <Panel title={t('scoring.leaderboard')} testId="leaderboard-panel">
              <ErrorBox error={board.error} />
              {board.loading ? (
                <Loading />
              ) : !board.data || board.data.entries?.length === 0 ? (
                <Empty testId="leaderboard-empty">{t('scoring.noResults')}</Empty>
              ) : (
                <LeaderboardTable board={board.data} me={claims?.sub ?? ''} onPick={(id) => set({ evaluation: id })} />
              )}
            </Panel>
            <Panel title={t('scoring.distribution')} testId="distribution-panel">
              <ErrorBox error={dist.error} />
              {dist.loading ? <Loading /> : !dist.data || !dist.data.count ? <Empty testId="distribution-empty">{t('scoring.noResults')}</Empty> : <DistributionView d={dist.data} />}
            </Panel>
          </div>
        </>
      )}
    </div>
  );
}

const MONEY_METRICS = new Set(['signed_amount', 'received_amount', 'settled_signed_amount']);

/** Codes of the items whose raw value is money in cents (a money metric, or a commission's
 * settled amount). */
export function moneyItemCodes(scheme: Scheme | undefined): Set<string> {
  const out = new Set<string>();
  for (const it of (scheme?.items ?? []) as unknown as Record<string, { metric?: string } | string | number | undefined>[]) {
    const code = String(it.code ?? '');
    if (it.commission) out.add(code);
    for (const rule of ['ratio', 'bands', 'penalty', 'minimum']) {
      const r = it[rule] as { metric?: string } | undefined;
      if (r?.metric && r.metric.split('+').every((m) => MONEY_METRICS.has(m))) out.add(code);
    }
  }
  return out;
}

function EvaluationPanel({ state, scheme, viewingOther, onBack }: { state: { data: Evaluation | null | undefined; error: unknown; loading: boolean }; scheme: Scheme | undefined; viewingOther: boolean; onBack: () => void }) {
  const { t, locale, tEnum } = useSession();
  const e = state.data;
  const moneyCodes = useMemo(() => moneyItemCodes(scheme), [scheme]);
  const money = (v: string | undefined) => toCents(v) !== 0n;
  return (
    <Panel
      title={viewingOther && e ? <EmployeeName id={e.subjectId} /> : t('scoring.mine')}
      testId="my-evaluation"
      actions={
        viewingOther ? (
          <button type="button" className="btn btn-ghost btn-small" onClick={onBack}>
            ← {t('scoring.backToMine')}
          </button>
        ) : null
      }
    >
      <ErrorBox error={state.error} />
      {state.loading ? (
        <Loading />
      ) : !e ? (
        <Empty testId="evaluation-empty">{t('scoring.noEvaluation')}</Empty>
      ) : enumName(e.state, 'EVALUATION_STATE_') === 'FAILED' ? (
        <div className="alert alert-error">{t('scoring.failed', { reason: e.failureReason })}</div>
      ) : (
        <>
          <div className="stats">
            <Stat label={t('scoring.total')} value={<span data-testid="evaluation-total">{formatScore(e.totalScore, locale)}</span>} hint={e.computedScore !== e.totalScore ? t('scoring.computed', { score: formatScore(e.computedScore, locale) }) : undefined} />
            <Stat label={t('scoring.grade')} value={<span className="grade" data-testid="evaluation-grade">{e.grade || '–'}</span>} />
            <Stat label={t('scoring.bonus')} value={<Money cents={e.bonus} testId="evaluation-bonus" />} tone={money(e.bonus) ? 'good' : undefined} />
            <Stat label={t('scoring.commission')} value={<Money cents={e.commission} testId="evaluation-commission" />} tone={money(e.commission) ? 'good' : undefined} />
            <Stat label={t('scoring.penalties')} value={<Money cents={e.penalties} testId="evaluation-penalties" />} tone={money(e.penalties) ? 'bad' : undefined} />
          </div>
          {e.flags?.length > 0 && (
            <div className="alert alert-warn" data-testid="evaluation-flags">
              {t('scoring.flags')}:{' '}
              {e.flags.map((f) => (
                <Badge key={f} group="flag" value={f} />
              ))}
            </div>
          )}
          <table className="table" data-testid="evaluation-items">
            <thead>
              <tr>
                <th>{t('scoring.item')}</th>
                <th className="right">{t('scoring.weight')}</th>
                <th className="right">{t('scoring.raw')}</th>
                <th className="right">{t('scoring.score')}</th>
                <th>{t('scoring.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {e.items?.map((it) => (
                <tr key={it.code} data-testid={`evaluation-item-${it.code}`}>
                  <td>
                    <strong>{it.name || it.code}</strong>
                    <div className="muted small mono">{it.code}</div>
                  </td>
                  <td className="right num">{it.weight ? `${formatNumber(it.weight, locale)}%` : '–'}</td>
                  <td className="right num">{moneyCodes.has(it.code) && Number.isFinite(it.raw) ? <Money cents={Math.round(it.raw)} /> : formatNumber(it.raw, locale)}</td>
                  <td className="right num">
                    {it.weight ? (
                      <div className="score-cell">
                        <div className="mini-progress">
                          <div style={{ width: `${Math.max(0, Math.min(100, it.score))}%` }} />
                        </div>
                        {formatScore(it.score, locale)}
                      </div>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td className="small">
                    {it.detail}
                    <div className="item-money">
                      {money(it.bonus) && (
                        <span className="tag tag-green">
                          {t('scoring.bonus')} <Money cents={it.bonus} />
                        </span>
                      )}
                      {money(it.commission) && (
                        <span className="tag tag-green">
                          {t('scoring.commission')} <Money cents={it.commission} />
                        </span>
                      )}
                      {money(it.penalties) && (
                        <span className="tag tag-red">
                          {t('scoring.penalties')} <Money cents={it.penalties} />
                        </span>
                      )}
                      {it.flags?.map((f) => (
                        <Badge key={f} group="flag" value={f} />
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            <PeriodText period={e.period} /> · {t('scoring.version', { version: e.version })}
            {e.adjustments?.length > 0 && ` · ${t('scoring.adjusted', { count: e.adjustments.length })}`}
            {' · '}
            {tEnum('subjectKind', e.subjectKind)}
          </p>
        </>
      )}
    </Panel>
  );
}

function LeaderboardTable({ board, me, onPick }: { board: Leaderboard; me: string; onPick: (evaluationId: string) => void }) {
  const { t, locale } = useSession();
  const top = Math.max(1, ...board.entries.map((e) => e.totalScore));
  return (
    <>
      <div className="table-wrap">
      <table className="table hover" data-testid="leaderboard">
        <thead>
          <tr>
            <th className="right">#</th>
            <th>{t('scoring.subject')}</th>
            <th>{t('scoring.total')}</th>
            <th>{t('scoring.grade')}</th>
          </tr>
        </thead>
        <tbody>
          {board.entries.map((e) => (
            <tr key={e.subjectId} className={e.subjectId === me ? 'row-me' : ''} onClick={() => onPick(e.evaluationId)} data-testid={`leaderboard-row-${e.subjectId}`}>
              <td className="right num rank">{e.rank}</td>
              <td>
                <EmployeeName id={e.subjectId} unknownLabel={t('scoring.colleague')} />
              </td>
              <td>
                <div className="score-cell wide">
                  <div className="mini-progress">
                    <div style={{ width: `${(e.totalScore / top) * 100}%` }} />
                  </div>
                  <span className="num">{formatScore(e.totalScore, locale)}</span>
                </div>
              </td>
              <td>
                <span className="grade small">{e.grade || '–'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      <p className="muted small">{t('scoring.ranked', { count: board.total })}</p>
    </>
  );
}

function DistributionView({ d }: { d: Distribution }) {
  const { t, locale } = useSession();
  const grades = Object.entries(d.gradeCounts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <Histogram buckets={d.buckets ?? []} mean={d.mean} p50={d.p50} p90={d.p90} />
      <dl className="kv inline-kv" data-testid="distribution-stats">
        <dt>{t('scoring.count')}</dt>
        <dd>{d.count}</dd>
        <dt>{t('scoring.mean')}</dt>
        <dd>{formatScore(d.mean, locale)}</dd>
        <dt>{t('scoring.stddev')}</dt>
        <dd>{formatScore(d.stddev, locale)}</dd>
        <dt>P50 / P90 / P99</dt>
        <dd>
          {formatScore(d.p50, locale)} / {formatScore(d.p90, locale)} / {formatScore(d.p99, locale)}
        </dd>
        <dt>{t('scoring.range')}</dt>
        <dd>
          {formatScore(d.min, locale)} – {formatScore(d.max, locale)}
        </dd>
      </dl>
      {grades.length > 0 && (
        <div className="grade-counts">
          {grades.map(([g, n]) => (
            <span key={g} className="grade-count">
              <span className="grade small">{g}</span> {n}
            </span>
          ))}
        </div>
      )}
    </>
  );
}
