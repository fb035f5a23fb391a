// Calendar periods (opsuite.common.v1.Period): aligned starts, stepping back and forth, and
// the period length a scoring scheme's cycle asks for.

import { apiEnum, enumName, type GranularityName } from './enums';
import { parseDate } from './format';
import type { Period } from './types';

export function ymd(y: number, m: number, d: number): string {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.toISOString().slice(0, 10);
}

/** Today (YYYY-MM-DD) in a time zone (the browser's when not given). */
export function today(timeZone?: string, now: Date = new Date()): string {
  try {
    // en-CA formats dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

export function addDays(date: string, n: number): string {
  const p = parseDate(date);
  if (!p) return date;
  return ymd(p[0], p[1], p[2] + n);
}

/** Days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  const pa = parseDate(a);
  const pb = parseDate(b);
  if (!pa || !pb) return 0;
  return Math.round((Date.UTC(pb[0], pb[1] - 1, pb[2]) - Date.UTC(pa[0], pa[1] - 1, pa[2])) / 86400000);
}

/** The period of a granularity that holds `date`. */
export function periodContaining(granularity: GranularityName, date: string): Period {
  const p = parseDate(date);
  if (!p) throw new Error(`bad date ${date}`);
  const [y, m, d] = p;
  switch (granularity) {
    case 'YEAR': return { granularity, startDate: ymd(y, 1, 1) };
    case 'HALF': return { granularity, startDate: ymd(y, m <= 6 ? 1 : 7, 1) };
    case 'QUARTER': return { granularity, startDate: ymd(y, Math.floor((m - 1) / 3) * 3 + 1, 1) };
    case 'MONTH': return { granularity, startDate: ymd(y, m, 1) };
    case 'WEEK': {
      const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
      return { granularity, startDate: ymd(y, m, d - dow) };
    }
    case 'DAY': return { granularity, startDate: ymd(y, m, d) };
  }
}

/** The period `n` steps after (or before, n < 0) this one. */
export function shiftPeriod(period: Period, n: number): Period {
  const g = enumName(period.granularity, 'GRANULARITY_') as GranularityName;
  const p = parseDate(period.startDate);
  if (!p) return period;
  const [y, m, d] = p;
  const months = { YEAR: 12, HALF: 6, QUARTER: 3, MONTH: 1 } as Record<string, number>;
  if (months[g]) return { granularity: g, startDate: ymd(y, m + n * months[g], 1) };
  return { granularity: g, startDate: ymd(y, m, d + n * (g === 'WEEK' ? 7 : 1)) };
}

/** The last day of a period, inclusive. */
export function periodEnd(period: Period): string {
  return addDays(shiftPeriod(period, 1).startDate, -1);
}

/** The period length a scheme's cycle evaluates. */
export function granularityOfCycle(cycle: string): GranularityName {
  switch (enumName(cycle, 'CYCLE_')) {
    case 'QUARTERLY': return 'QUARTER';
    case 'HALF_YEARLY': return 'HALF';
    case 'YEARLY': return 'YEAR';
    default: return 'MONTH';
  }
}

/** A Period for the API: the full enum name (GRANULARITY_MONTH) and the start date. */
export function apiPeriod(period: Period): Period {
  return { granularity: apiEnum('GRANULARITY_', period.granularity), startDate: period.startDate };
}

export function samePeriod(a: Period | undefined, b: Period | undefined): boolean {
  return !!a && !!b && enumName(a.granularity, 'GRANULARITY_') === enumName(b.granularity, 'GRANULARITY_') && a.startDate === b.startDate;
}
