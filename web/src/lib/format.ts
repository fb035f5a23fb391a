// Locale formatting of money, numbers, dates and periods with Intl. Money is an integer
// number of minor units (cents, fen) carried as a string (int64 in JSON): it is summed with
// BigInt and handed to Intl.NumberFormat as an exact decimal string, never as a float.

import { enumName } from './enums';
import type { Period } from './types';

export type Cents = string | number | bigint | null | undefined;

/** Parses cents from the API (int64 as a string, or a number) to a BigInt; bad input is 0. */
export function toCents(v: Cents): bigint {
  if (v === null || v === undefined || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  const s = v.trim();
  return /^[-+]?\d+$/.test(s) ? BigInt(s) : 0n;
}

/** Σ of cents, exactly. */
export function sumCents(values: Iterable<Cents>): bigint {
  let total = 0n;
  for (const v of values) total += toCents(v);
  return total;
}

const digitsCache = new Map<string, number>();

/** Minor-unit digits of a currency (CNY 2, JPY 0), from Intl. */
export function currencyDigits(currency: string): number {
  const c = (currency || 'CNY').toUpperCase();
  let d = digitsCache.get(c);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(c, d);
  }
  return d;
}

/** 123456n, 2 → "1234.56"; -5n, 2 → "-0.05". */
export function minorToDecimal(cents: bigint, digits: number): string {
  const neg = cents < 0n;
  const abs = (neg ? -cents : cents).toString();
  if (digits <= 0) return (neg ? '-' : '') + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

export function isCurrencyCode(unit: string | undefined): boolean {
  if (!unit || !/^[A-Z]{3}$/.test(unit)) return false;
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: unit });
    return true;
  } catch {
    return false;
  }
}

/** Money from integer minor units: formatMoney("1234500", "CNY", "zh-CN") → "¥12,345.00". */
export function formatMoney(cents: Cents, currency = 'CNY', locale = 'zh-CN', opts: { compact?: boolean } = {}): string {
  const cur = (currency || 'CNY').toUpperCase();
  const digits = currencyDigits(cur);
  const decimal = minorToDecimal(toCents(cents), digits);
  const nf = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: cur,
    ...(opts.compact ? { notation: 'compact', maximumFractionDigits: 1 } : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  });
  // A numeric string is formatted exactly (Intl.NumberFormat v3); the cast keeps older
  // TypeScript lib typings quiet.
  return nf.format(decimal as unknown as number);
}

export function formatNumber(n: number | string | bigint | null | undefined, locale: string, maxFraction = 2): string {
  if (n === null || n === undefined || n === '') return '–';
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: maxFraction });
  if (typeof n === 'string') {
    return /^[-+]?\d+(\.\d+)?$/.test(n.trim()) ? nf.format(n.trim() as unknown as number) : n;
  }
  return nf.format(n as number);
}

/** A ratio (0.675) as a percentage ("67.5%"). */
export function formatPercent(ratio: number | null | undefined, locale: string, maxFraction = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: maxFraction }).format(ratio);
}

/** A target's value in its unit: money when the unit is a currency code (value in cents). */
export function formatQuantity(value: Cents, unit: string, locale: string, opts: { compact?: boolean } = {}): string {
  if (isCurrencyCode(unit)) return formatMoney(value, unit, locale, opts);
  const n = toCents(value);
  const nf = new Intl.NumberFormat(locale, opts.compact ? { notation: 'compact', maximumFractionDigits: 1 } : {});
  const s = nf.format(n.toString() as unknown as number);
  return unit && unit !== 'units' ? `${s} ${unit}` : s;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a YYYY-MM-DD calendar date (no time zone) to [y, m (1-12), d]. */
export function parseDate(s: string): [number, number, number] | null {
  const m = DATE_RE.exec(s ?? '');
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** A calendar date for the locale, without shifting it through a time zone:
 * "2026-03-05" → "2026年3月5日" (zh-CN) or "Mar 5, 2026" (en). */
export function formatDate(date: string | null | undefined, locale: string, style: 'medium' | 'short' | 'long' = 'medium'): string {
  if (!date) return '–';
  const p = parseDate(date);
  if (!p) return date;
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(d);
}

/** An instant (RFC 3339) in a time zone (the browser's when not given). */
export function formatDateTime(ts: string | null | undefined, locale: string, timeZone?: string): string {
  if (!ts) return '–';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone || undefined }).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  }
}

/** "3 minutes ago" / "3分钟前" for recent instants; the date for older ones. */
export function formatRelative(ts: string | null | undefined, locale: string, now: number = Date.now(), timeZone?: string): string {
  if (!ts) return '–';
  const t = new Date(ts).getTime();
  if (Number.isNaN(t)) return ts;
  const s = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 7 * 86400) return rtf.format(Math.round(s / 86400), 'day');
  return formatDateTime(ts, locale, timeZone);
}

/** A period for people: "2026年3月" / "March 2026", "2026年第1季度" / "Q1 2026", ... */
export function formatPeriod(period: Period | null | undefined, locale: string): string {
  if (!period || !period.startDate) return '–';
  const p = parseDate(period.startDate);
  if (!p) return period.startDate;
  const [y, m] = p;
  const zh = locale.toLowerCase().startsWith('zh');
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
  switch (enumName(period.granularity, 'GRANULARITY_')) {
    case 'YEAR':
      return zh ? `${y}年` : `${y}`;
    case 'HALF':
      return zh ? `${y}年${m <= 6 ? '上' : '下'}半年` : `H${m <= 6 ? 1 : 2} ${y}`;
    case 'QUARTER': {
      const q = Math.floor((m - 1) / 3) + 1;
      return zh ? `${y}年第${q}季度` : `Q${q} ${y}`;
    }
    case 'MONTH':
      return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
    case 'WEEK': {
      const [wy, w] = isoWeek(p);
      return zh ? `${wy}年第${w}周` : `Week ${w}, ${wy}`;
    }
    default:
      return formatDate(period.startDate, locale);
  }
}

/** ISO 8601 week-numbering year and week of a date. */
export function isoWeek([y, m, d]: [number, number, number]): [number, number] {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - day + 3); // Thursday of this week
  const wy = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(wy, 0, 4));
  const fday = (firstThursday.getUTCDay() + 6) % 7;
  firstThursday.setUTCDate(firstThursday.getUTCDate() - fday + 3);
  return [wy, 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86400000))];
}

/** Scores (0–100, maybe fractional) with up to one decimal. */
export function formatScore(n: number | null | undefined, locale: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n);
}
