// Hand-written SVG charts: plan vs actual by period, the cumulative plan-to-date line with
// actuals, and a histogram. Values from the API are int64 strings; they are drawn as numbers
// (drawing needs no exactness) while every printed amount goes through the formatters.

import { cumulative, linearScale, niceTicks } from '../lib/chart';
import { formatPeriod, formatQuantity, formatScore, parseDate } from '../lib/format';
import { daysBetween } from '../lib/period';
import type { HistogramBucket, Progress, Target } from '../lib/types';
import { useSession } from '../session';

const W = 720;
const PAD = { l: 72, r: 16, t: 16, b: 40 };

function num(v: string | number | undefined): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function shortPeriodLabel(t: Target, locale: string): string {
  const s = formatPeriod(t.period, locale);
  return s.length > 14 ? s.slice(0, 13) + '…' : s;
}

export interface ChildPoint {
  target: Target;
  progress?: Progress;
}

/** Grouped bars: each time-child's plan and its actual so far. */
export function PlanActualBars({ unit, points, asOf }: { unit: string; points: ChildPoint[]; asOf: string }) {
  const { t, locale } = useSession();
  const H = 240;
  const plans = points.map((p) => num(p.target.value));
  const actuals = points.map((p) => (p.progress && p.target.startDate <= asOf ? num(p.progress.actual) : 0));
  const max = Math.max(1, ...plans, ...actuals);
  const ticks = niceTicks(max, 4);
  const y = linearScale([0, ticks[ticks.length - 1]], [H - PAD.b, PAD.t]);
  const band = (W - PAD.l - PAD.r) / Math.max(1, points.length);
  const bw = Math.min(28, band * 0.32);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={t('targets.chart.bars')} data-testid="plan-actual-chart">
      {ticks.map((v) => (
        <g key={v}>
          <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={PAD.l - 8} y={y(v) + 4} className="tick" textAnchor="end">
            {formatQuantity(Math.round(v), unit, locale, { compact: true })}
          </text>
        </g>
      ))}
      {points.map((p, i) => {
        const cx = PAD.l + band * i + band / 2;
        const started = p.target.startDate <= asOf;
        return (
          <g key={p.target.id}>
            <rect x={cx - bw - 2} y={y(plans[i])} width={bw} height={Math.max(0, y(0) - y(plans[i]))} className="bar-plan" rx="2">
              <title>{`${t('targets.plan')}: ${formatQuantity(p.target.value, unit, locale)}`}</title>
            </rect>
            {started && (
              <rect x={cx + 2} y={y(actuals[i])} width={bw} height={Math.max(0, y(0) - y(actuals[i]))} className="bar-actual" rx="2">
                <title>{`${t('targets.actual')}: ${formatQuantity(p.progress?.actual ?? '0', unit, locale)}`}</title>
              </rect>
            )}
            <text x={cx} y={H - PAD.b + 18} className="tick" textAnchor="middle">
              {shortPeriodLabel(p.target, locale)}
            </text>
          </g>
        );
      })}
      <line x1={PAD.l} x2={W - PAD.r} y1={y(0)} y2={y(0)} className="axis" />
      <g transform={`translate(${PAD.l}, ${H - 8})`} className="legend">
        <rect width="10" height="10" y="-9" className="bar-plan" />
        <text x="14">{t('targets.plan')}</text>
        <rect x="90" width="10" height="10" y="-9" className="bar-actual" />
        <text x="104">{t('targets.actual')}</text>
      </g>
    </svg>
  );
}

/** The cumulative plan (phased by the time-children when there are any, else linear) with
 * the plan-to-date point on `asOf`, and the cumulative actual up to `asOf`. */
export function PlanToDateChart({ target, progress, points }: { target: Target; progress: Progress; points: ChildPoint[] }) {
  const { t, locale } = useSession();
  const H = 280;
  const unit = target.unit;
  const start = target.startDate || target.period.startDate;
  const end = target.endDate || start;
  const totalDays = Math.max(1, daysBetween(start, end) + 1);
  const asOf = progress.asOf || end;
  const x = linearScale([0, totalDays], [PAD.l, W - PAD.r]);
  // x of the end of a day (inclusive): days from start + 1
  const xEnd = (d: string) => x(Math.min(totalDays, Math.max(0, daysBetween(start, d) + 1)));

  const value = num(target.value);
  let plan: [number, number][];
  let actual: [number, number][];
  if (points.length > 0) {
    const cumPlan = cumulative(points.map((p) => num(p.target.value)));
    plan = [[x(0), 0], ...points.map((p, i): [number, number] => [xEnd(p.target.endDate || p.target.startDate), cumPlan[i]])];
    actual = [[x(0), 0]];
    let acc = 0;
    for (const p of points) {
      if (p.target.startDate > asOf) break;
      acc += num(p.progress?.actual);
      const endDay = (p.target.endDate || p.target.startDate) < asOf ? p.target.endDate || p.target.startDate : asOf;
      actual.push([xEnd(endDay), acc]);
    }
  } else {
    plan = [
      [x(0), 0],
      [x(totalDays), value],
    ];
    actual = [
      [x(0), 0],
      [xEnd(asOf), num(progress.actual)],
    ];
  }
  const max = Math.max(1, value, num(progress.actual), ...actual.map((p) => p[1]));
  const ticks = niceTicks(max, 5);
  const y = linearScale([0, ticks[ticks.length - 1]], [H - PAD.b, PAD.t]);
  const path = (pts: [number, number][]) => pts.map(([px, v], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const todayX = xEnd(asOf);
  const ptd = num(progress.planToDate);
  const act = num(progress.actual);
  const monthTicks = axisDates(start, end);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={t('targets.chart.cumulative')} data-testid="progress-chart">
      {ticks.map((v) => (
        <g key={v}>
          <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={PAD.l - 8} y={y(v) + 4} className="tick" textAnchor="end">
            {formatQuantity(Math.round(v), unit, locale, { compact: true })}
          </text>
        </g>
      ))}
      {monthTicks.map((d) => (
        <text key={d.date} x={x(daysBetween(start, d.date))} y={H - PAD.b + 18} className="tick" textAnchor="middle">
          {d.label(locale)}
        </text>
      ))}
      <line x1={PAD.l} x2={W - PAD.r} y1={y(0)} y2={y(0)} className="axis" />
      <line x1={PAD.l} x2={W - PAD.r} y1={y(value)} y2={y(value)} className="line-target" />
      <path d={path(plan)} className="line-plan" data-testid="plan-line" />
      <path d={path(actual)} className="line-actual" data-testid="actual-line" />
      <line x1={todayX} x2={todayX} y1={PAD.t} y2={H - PAD.b} className="line-today" />
      <text x={todayX} y={PAD.t + 10} className="tick today-label" textAnchor={todayX > W - 90 ? 'end' : 'start'} dx={todayX > W - 90 ? -4 : 4}>
        {t('targets.asOf')} {asOf}
      </text>
      <circle cx={todayX} cy={y(ptd)} r="4.5" className="dot-plan" data-testid="plan-to-date-point">
        <title>{`${t('targets.planToDate')}: ${formatQuantity(progress.planToDate, unit, locale)}`}</title>
      </circle>
      <circle cx={todayX} cy={y(act)} r="4.5" className="dot-actual">
        <title>{`${t('targets.actual')}: ${formatQuantity(progress.actual, unit, locale)}`}</title>
      </circle>
      <g transform={`translate(${PAD.l}, ${H - 8})`} className="legend">
        <line x1="0" x2="16" y1="-4" y2="-4" className="line-plan" />
        <text x="20">{t('targets.planToDate')}</text>
        <line x1="120" x2="136" y1="-4" y2="-4" className="line-actual" />
        <text x="140">{t('targets.actual')}</text>
        <line x1="220" x2="236" y1="-4" y2="-4" className="line-target" />
        <text x="240">{t('targets.plan')}</text>
      </g>
    </svg>
  );
}

/** A handful of axis dates between start and end: month starts for spans up to 2 years. */
function axisDates(start: string, end: string): { date: string; label: (l: string) => string }[] {
  const ps = parseDate(start);
  const pe = parseDate(end);
  if (!ps || !pe) return [];
  const days = daysBetween(start, end) + 1;
  const out: { date: string; label: (l: string) => string }[] = [];
  if (days <= 31) {
    const step = Math.max(1, Math.round(days / 6));
    for (let i = 0; i < days; i += step) {
      const d = new Date(Date.UTC(ps[0], ps[1] - 1, ps[2] + i));
      const iso = d.toISOString().slice(0, 10);
      out.push({ date: iso, label: (l) => new Intl.DateTimeFormat(l, { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(d) });
    }
    return out;
  }
  const months = (pe[0] - ps[0]) * 12 + (pe[1] - ps[1]) + 1;
  const step = months <= 12 ? 1 : months <= 24 ? 3 : 12;
  for (let m = 0; m < months; m += step) {
    const d = new Date(Date.UTC(ps[0], ps[1] - 1 + m, 1));
    const iso = d.toISOString().slice(0, 10);
    if (iso < start) continue;
    out.push({ date: iso, label: (l) => new Intl.DateTimeFormat(l, { month: 'short', timeZone: 'UTC' }).format(d) });
  }
  return out;
}

/** The score distribution: one bar per bucket, with the mean and the median marked. */
export function Histogram({ buckets, mean, p50, p90, width = 480 }: { buckets: HistogramBucket[]; mean: number; p50: number; p90: number; width?: number }) {
  const { t, locale } = useSession();
  const W = width;
  const H = 260;
  if (buckets.length === 0) return null;
  const lo = Math.min(...buckets.map((b) => b.lower));
  const hi = Math.max(...buckets.map((b) => b.upper));
  const x = linearScale([lo, hi], [PAD.l - 24, W - PAD.r]);
  const ticks = niceTicks(Math.max(1, ...buckets.map((b) => b.count)), 4).filter((v) => Number.isInteger(v));
  const y = linearScale([0, ticks[ticks.length - 1] || 1], [H - PAD.b, PAD.t]);
  const marker = (v: number, cls: string, label: string, row: number) =>
    Number.isFinite(v) && v >= lo && v <= hi ? (
      <g className={cls}>
        <line x1={x(v)} x2={x(v)} y1={PAD.t} y2={H - PAD.b} />
        <text x={x(v) > W - 90 ? x(v) - 4 : x(v) + 4} y={PAD.t + 10 + row * 13} className="tick" textAnchor={x(v) > W - 90 ? 'end' : 'start'}>
          {label} {formatScore(v, locale)}
        </text>
      </g>
    ) : null;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={t('scoring.distribution')} data-testid="distribution-chart">
      {ticks.map((v) => (
        <g key={v}>
          <line x1={PAD.l - 24} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={PAD.l - 30} y={y(v) + 4} className="tick" textAnchor="end">
            {v}
          </text>
        </g>
      ))}
      {buckets.map((b) => (
        <g key={b.lower}>
          <rect x={x(b.lower) + 1.5} width={Math.max(0, x(b.upper) - x(b.lower) - 3)} y={y(b.count)} height={Math.max(0, y(0) - y(b.count))} className="bar-hist" rx="2" data-testid="histogram-bar" data-count={b.count}>
            <title>{`[${formatScore(b.lower, locale)}, ${formatScore(b.upper, locale)}): ${b.count}`}</title>
          </rect>
          {b.count > 0 && (
            <text x={(x(b.lower) + x(b.upper)) / 2} y={y(b.count) - 4} className="tick" textAnchor="middle">
              {b.count}
            </text>
          )}
          <text x={x(b.lower)} y={H - PAD.b + 16} className="tick" textAnchor="middle">
            {formatScore(b.lower, locale)}
          </text>
        </g>
      ))}
      <text x={x(hi)} y={H - PAD.b + 16} className="tick" textAnchor="middle">
        {formatScore(hi, locale)}
      </text>
      <line x1={PAD.l - 24} x2={W - PAD.r} y1={y(0)} y2={y(0)} className="axis" />
      {marker(mean, 'marker-mean', t('scoring.mean'), 0)}
      {marker(p50, 'marker-p50', 'P50', 1)}
      {marker(p90, 'marker-p90', 'P90', 2)}
    </svg>
  );
}
