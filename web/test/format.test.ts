import { describe, expect, it } from 'vitest';
import {
  currencyDigits, formatDate, formatDateTime, formatMoney, formatPercent, formatPeriod, formatQuantity,
  formatRelative, isoWeek, minorToDecimal, sumCents, toCents,
} from '../src/lib/format';

// Intl inserts no-break spaces in some locales; compare with plain spaces.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money from integer cents', () => {
  it('formats for zh-CN and en', () => {
    expect(formatMoney('1234500', 'CNY', 'zh-CN')).toBe('¥12,345.00');
    expect(formatMoney('1234500', 'CNY', 'en')).toBe('CN¥12,345.00');
    expect(formatMoney(5, 'CNY', 'en')).toBe('CN¥0.05');
    expect(formatMoney('-250', 'USD', 'en')).toBe('-$2.50');
    expect(formatMoney('0', 'CNY', 'zh-CN')).toBe('¥0.00');
  });

  it('is exact beyond the range of doubles', () => {
    // 2^53 + 1 cents: a float would round the last digit.
    expect(formatMoney('9007199254740993', 'CNY', 'en')).toBe('CN¥90,071,992,547,409.93');
    expect(sumCents(['9007199254740993', '1', 2n, 3])).toBe(9007199254740999n);
  });

  it('sums with BigInt, never floats', () => {
    expect(sumCents(['10', '20', '30'])).toBe(60n);
    expect(sumCents(['1', undefined, '', 'junk', null])).toBe(1n);
    // 0.1 + 0.2 in floats is 0.30000000000000004; in cents it is 30.
    expect(formatMoney(sumCents(['10', '20']), 'CNY', 'en')).toBe('CN¥0.30');
  });

  it('places the decimal point by the currency', () => {
    expect(currencyDigits('CNY')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(formatMoney('1500', 'JPY', 'en')).toBe('¥1,500');
    expect(minorToDecimal(-5n, 2)).toBe('-0.05');
    expect(minorToDecimal(123456n, 2)).toBe('1234.56');
    expect(minorToDecimal(7n, 0)).toBe('7');
  });

  it('parses int64 strings', () => {
    expect(toCents('42')).toBe(42n);
    expect(toCents('-42')).toBe(-42n);
    expect(toCents('4.2')).toBe(0n);
    expect(toCents(12.9)).toBe(12n);
  });

  it('formats compact amounts and target quantities', () => {
    expect(formatQuantity('150000000', 'units', 'en')).toBe('150,000,000');
    expect(formatQuantity('150000000', 'units', 'zh-CN', { compact: true })).toBe('1.5亿');
    expect(formatQuantity('1200000', 'CNY', 'zh-CN')).toBe('¥12,000.00');
    expect(formatQuantity('3', 'visits', 'en')).toBe('3 visits');
  });
});

describe('dates', () => {
  it('formats calendar dates without shifting them through a time zone', () => {
    expect(formatDate('2026-03-05', 'zh-CN')).toBe('2026年3月5日');
    expect(formatDate('2026-03-05', 'en')).toBe('Mar 5, 2026');
    expect(formatDate('2026-01-01', 'en')).toBe('Jan 1, 2026');
    expect(formatDate('', 'en')).toBe('–');
    expect(formatDate('soon', 'en')).toBe('soon');
  });

  it('formats instants in a given time zone', () => {
    const ts = '2026-03-05T16:30:00Z';
    expect(norm(formatDateTime(ts, 'en', 'Asia/Shanghai'))).toBe('Mar 6, 2026, 12:30 AM');
    expect(formatDateTime(ts, 'zh-CN', 'Asia/Shanghai')).toBe('2026年3月6日 00:30');
    expect(norm(formatDateTime(ts, 'en', 'UTC'))).toBe('Mar 5, 2026, 4:30 PM');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-03-05T12:00:00Z');
    expect(formatRelative('2026-03-05T11:57:00Z', 'en', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-03-05T11:57:00Z', 'zh-CN', now)).toBe('3分钟前');
    expect(formatRelative('2026-03-05T11:59:50Z', 'en', now)).toBe('now');
  });

  it('names periods', () => {
    expect(formatPeriod({ granularity: 'MONTH', startDate: '2026-03-01' }, 'zh-CN')).toBe('2026年3月');
    expect(formatPeriod({ granularity: 'GRANULARITY_MONTH', startDate: '2026-03-01' }, 'en')).toBe('March 2026');
    expect(formatPeriod({ granularity: 'QUARTER', startDate: '2026-04-01' }, 'zh-CN')).toBe('2026年第2季度');
    expect(formatPeriod({ granularity: 'QUARTER', startDate: '2026-04-01' }, 'en')).toBe('Q2 2026');
    expect(formatPeriod({ granularity: 'HALF', startDate: '2026-07-01' }, 'zh-CN')).toBe('2026年下半年');
    expect(formatPeriod({ granularity: 'YEAR', startDate: '2026-01-01' }, 'en')).toBe('2026');
    expect(formatPeriod({ granularity: 'WEEK', startDate: '2026-03-02' }, 'en')).toBe('Week 10, 2026');
    expect(formatPeriod({ granularity: 'DAY', startDate: '2026-03-02' }, 'en')).toBe('Mar 2, 2026');
  });

  it('numbers ISO weeks', () => {
    expect(isoWeek([2026, 1, 1])).toEqual([2026, 1]);
    expect(isoWeek([2027, 1, 1])).toEqual([2026, 53]);
    expect(isoWeek([2024, 12, 30])).toEqual([2025, 1]);
  });
});

describe('percent', () => {
  it('formats ratios', () => {
    expect(formatPercent(0.675, 'en')).toBe('67.5%');
    expect(formatPercent(1.02, 'zh-CN')).toBe('102%');
    expect(formatPercent(NaN, 'en')).toBe('–');
  });
});
