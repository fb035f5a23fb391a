import { useMemo, useState } from 'react';
import { PlanActualBars, PlanToDateChart, type ChildPoint } from '../components/charts';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Panel, PeriodText, Stat, useAsync } from '../components/ui';
import { EmployeeName, useDepartments } from '../directory';
import { api, listAll, seg } from '../lib/api';
import { enumName } from '../lib/enums';
import { formatDate, formatPercent, formatQuantity, toCents } from '../lib/format';
import { today } from '../lib/period';
import { buildTree, type TargetNode as Node } from '../lib/targets';
import type { Progress, Target } from '../lib/types';
import { useRoute } from '../router';
import { useSession } from '../session';

function OwnerLabel({ target }: { target: Target }) {
  const { t } = useSession();
  const { byId } = useDepartments();
  const kind = enumName(target.owner?.kind, 'OWNER_KIND_');
  if (kind === 'DEPARTMENT') return <span>{byId.get(target.owner.id)?.name ?? target.owner.id}</span>;
  if (kind === 'EMPLOYEE') return <EmployeeName id={target.owner.id} />;
  return <span>{t('targets.owner.ORG')}</span>;
}

function targetTitle(t: Target): string {
  return t.name || t.metric;
}

export function TargetsPage() {
  const { t, locale, timeZone } = useSession();
  const route = useRoute();
  const { data: targets, error, loading } = useAsync(
    () => listAll<{ targets?: Target[] }, Target>('/v1/targets', { pageSize: 1000 }, (r) => r.targets, 5000),
    [],
  );
  const tree = useMemo(() => buildTree(targets ?? []), [targets]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());

  const selectedId = route.query.target ?? tree[0]?.target.id;
  const selected = targets?.find((x) => x.id === selectedId);
  const asOf = today(timeZone);

  const renderNode = (n: Node, depth: number) => {
    const open = !collapsed.has(n.target.id);
    const active = n.target.id === selectedId;
    return (
      <li key={n.target.id}>
        <div className={active ? 'tree-row active' : 'tree-row'} style={{ paddingLeft: 8 + depth * 16 }}>
          {n.children.length > 0 ? (
            <button
              type="button"
              className="tree-toggle"
              aria-label={open ? t('common.collapse') : t('common.expand')}
              onClick={() =>
                setCollapsed((c) => {
                  const s = new Set(c);
                  if (s.has(n.target.id)) s.delete(n.target.id);
                  else s.add(n.target.id);
                  return s;
                })
              }
            >
              {open ? '▾' : '▸'}
            </button>
          ) : (
            <span className="tree-toggle" />
          )}
          <a href={`#/targets?target=${encodeURIComponent(n.target.id)}`} className="tree-link" data-testid={`target-node-${n.target.id}`}>
            {n.target.name || !n.target.parentId ? (
              <>
                <span className="tree-title">{targetTitle(n.target)}</span>
                <span className="tree-meta">
                  <PeriodText period={n.target.period} /> · <OwnerLabel target={n.target} />
                </span>
              </>
            ) : (
              <>
                <span className="tree-title">
                  <PeriodText period={n.target.period} />
                </span>
                <span className="tree-meta">
                  {n.target.metric} · <OwnerLabel target={n.target} />
                </span>
              </>
            )}
          </a>
          <span className="tree-value num">{formatQuantity(n.target.value, n.target.unit, locale, { compact: true })}</span>
        </div>
        {open && n.children.length > 0 && <ul>{n.children.map((c) => renderNode(c, depth + 1))}</ul>}
      </li>
    );
  };

  return (
    <div data-testid="targets-page">
      <PageHeader title={t('targets.title')} subtitle={t('targets.subtitle')} />
      <ErrorBox error={error} />
      {loading ? (
        <Loading />
      ) : tree.length === 0 ? (
        <Empty testId="targets-empty">{t('targets.empty')}</Empty>
      ) : (
        <div className="split">
          <Panel title={t('targets.tree')} className="split-side">
            <ul className="tree" data-testid="target-tree">
              {tree.map((n) => renderNode(n, 0))}
            </ul>
          </Panel>
          <div className="split-main">{selected ? <TargetDetail target={selected} all={targets ?? []} asOf={asOf} /> : <Empty>{t('targets.pick')}</Empty>}</div>
        </div>
      )}
    </div>
  );
}

function TargetDetail({ target, all, asOf }: { target: Target; all: Target[]; asOf: string }) {
  const { t, locale } = useSession();
  const children = useMemo(
    () => all.filter((x) => x.parentId === target.id).sort((a, b) => (a.startDate || '').localeCompare(b.startDate || '')),
    [all, target.id],
  );
  const byTime = enumName(target.decomposition, 'DECOMPOSITION_') === 'BY_TIME';
  const { data, error, loading } = useAsync(async () => {
    const progress = await api.get<Progress>(`/v1/targets/${seg(target.id)}/progress`, { asOf });
    let points: ChildPoint[] = [];
    if (byTime && children.length > 0) {
      let list: Progress[] = [];
      try {
        const r = await api.post<{ progress?: Progress[] }>('/v1/targets:batchGetProgress', { targetIds: children.map((c) => c.id), asOf });
        list = r.progress ?? [];
      } catch {
        list = await Promise.all(children.map((c) => api.get<Progress>(`/v1/targets/${seg(c.id)}/progress`, { asOf }).catch(() => undefined as unknown as Progress)));
      }
      points = children.map((c, i) => ({ target: c, progress: list[i] }));
    }
    return { progress, points };
  }, [target.id, asOf, byTime, children.length]);

  const unit = target.unit;
  const p = data?.progress;
  const variance = p ? toCents(p.variance) : 0n;
  return (
    <div className="stack" data-testid="target-detail">
      <Panel
        title={
          <span>
            {targetTitle(target)} <span className="muted">· <PeriodText period={target.period} /></span>
          </span>
        }
        actions={p ? <Badge group="progress" value={p.status} testId="target-status" /> : null}
      >
        <div className="kv-row muted small">
          <span>
            {t('targets.owner')}: <OwnerLabel target={target} />
          </span>
          <span>
            {t('targets.metric')}: <code>{target.metric}</code>
          </span>
          <span>
            {formatDate(target.startDate, locale)} – {formatDate(target.endDate, locale)}
          </span>
          {byTime && <span>{t('targets.decomposedByTime', { count: children.length })}</span>}
          {enumName(target.decomposition, 'DECOMPOSITION_') === 'BY_OWNER' && <span>{t('targets.decomposedByOwner', { count: children.length })}</span>}
        </div>
        <ErrorBox error={error} />
        {loading && <Loading />}
        {p && (
          <>
            <div className="stats">
              <Stat label={t('targets.plan')} value={formatQuantity(p.value, unit, locale)} testId="stat-plan" />
              <Stat label={t('targets.actual')} value={formatQuantity(p.actual, unit, locale)} hint={t('targets.completion', { pct: formatPercent(p.completionRatio, locale) })} testId="stat-actual" />
              <Stat label={t('targets.planToDate')} value={formatQuantity(p.planToDate, unit, locale)} hint={t('targets.expected', { pct: formatPercent(p.expectedRatio, locale) })} testId="stat-plan-to-date" />
              <Stat
                label={t('targets.variance')}
                value={(variance > 0n ? '+' : '') + formatQuantity(p.variance, unit, locale)}
                tone={variance < 0n ? 'bad' : 'good'}
                hint={variance < 0n ? t('targets.behindBy', { gap: formatQuantity(p.gap, unit, locale) }) : t('targets.aheadOfPlan')}
                testId="stat-variance"
              />
            </div>
            <div className="progress-bar" aria-hidden>
              <div className="progress-fill" style={{ width: `${Math.min(100, (p.completionRatio || 0) * 100)}%` }} />
              <div className="progress-mark" style={{ left: `${Math.min(100, (p.expectedRatio || 0) * 100)}%` }} title={t('targets.planToDate')} />
            </div>
            <h3 className="chart-title">{t('targets.chart.cumulative')}</h3>
            <PlanToDateChart target={target} progress={p} points={data?.points ?? []} />
            {data && data.points.length > 0 && (
              <>
                <h3 className="chart-title">{t('targets.chart.bars')}</h3>
                <PlanActualBars unit={unit} points={data.points} asOf={p.asOf || asOf} />
              </>
            )}
          </>
        )}
      </Panel>
      {children.length > 0 && (
        <Panel title={t('targets.children')}>
          <table className="table" data-testid="target-children">
            <thead>
              <tr>
                <th>{t('targets.name')}</th>
                <th>{t('targets.owner')}</th>
                <th className="right">{t('targets.plan')}</th>
                <th className="right">{t('targets.actual')}</th>
                <th className="right">{t('targets.completionShort')}</th>
              </tr>
            </thead>
            <tbody>
              {children.map((c) => {
                const cp = data?.points.find((x) => x.target.id === c.id)?.progress;
                return (
                  <tr key={c.id}>
                    <td>
                      <a href={`#/targets?target=${encodeURIComponent(c.id)}`}>{c.name || <PeriodText period={c.period} />}</a>
                    </td>
                    <td>
                      <OwnerLabel target={c} />
                    </td>
                    <td className="right num">{formatQuantity(c.value, c.unit, locale)}</td>
                    <td className="right num">{cp && c.startDate <= asOf ? formatQuantity(cp.actual, c.unit, locale) : '–'}</td>
                    <td className="right num">{cp && c.startDate <= asOf ? formatPercent(cp.completionRatio, locale) : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Panel>
      )}
    </div>
  );
}
