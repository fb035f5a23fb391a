import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en';
import zhCN from '../src/i18n/zh-CN';
import { initialLocale, messages, placeholders, translate } from '../src/i18n';
import { ACTIVITY_KINDS, GOAL_CARD_STATES, STAGES, TASK_KINDS, TIERS } from '../src/lib/enums';

describe('i18n completeness', () => {
  it('has every key in both locales, and no extra ones', () => {
    const a = Object.keys(en).sort();
    const b = Object.keys(zhCN).sort();
    expect(b.filter((k) => !a.includes(k))).toEqual([]);
    expect(a.filter((k) => !b.includes(k))).toEqual([]);
  });

  it('has no empty messages', () => {
    for (const [locale, dict] of Object.entries(messages)) {
      for (const [k, v] of Object.entries(dict)) expect(v.trim(), `${locale} ${k}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both locales', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zhCN[k]), k).toEqual(placeholders(en[k]));
    }
  });

  it('translates the zh-CN screens into Chinese', () => {
    // A zh-CN message equal to the English one is allowed only for symbols and codes.
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => en[k] === zhCN[k] && /[A-Za-z]{3,}/.test(en[k]));
    expect(same).toEqual([]);
  });

  it('labels every enum value the screens show', () => {
    const groups: [string, readonly string[]][] = [
      ['state', GOAL_CARD_STATES], ['taskKind', TASK_KINDS], ['tier', TIERS], ['stage', STAGES],
      ['activity', ACTIVITY_KINDS], ['progress', ['ON_TRACK', 'AT_RISK', 'BEHIND', 'ACHIEVED']],
      ['orderKind', ['SAMPLE', 'REGULAR']], ['flag', ['OBSERVATION', 'TERMINATION_REVIEW']],
      ['role', ['employee', 'manager', 'admin', 'service']], ['inbox.stream', ['connecting', 'open', 'retrying', 'closed']],
      ['signin.error', ['format', 'encoding', 'claims', 'expired']],
      ['event', ['planning.goal_card.submitted', 'planning.goal_card.returned', 'planning.goal_card.approved', 'planning.goal_card.self_assessed',
        'planning.goal_card.scored', 'planning.goal_card.closed', 'planning.report.missing', 'planning.report.late', 'crm.visit.overdue',
        'crm.customer.released_to_pool', 'crm.order.payment_received', 'scoring.evaluation.completed', 'scoring.evaluation.flagged', 'scheduler.reminder']],
    ];
    for (const [group, values] of groups) {
      for (const v of values) {
        expect(`${group}.${v}` in en, `${group}.${v}`).toBe(true);
      }
    }
  });
});

describe('translate', () => {
  it('fills placeholders and falls back to the key', () => {
    expect(translate('en', 'goals.weightSum', { sum: 90 })).toBe('Weights: 90% of 100%');
    expect(translate('zh-CN', 'goals.weightSum', { sum: 90 })).toBe('权重合计：90% / 100%');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
    expect(translate('en', 'inbox.unreadCount')).toBe('{count} unread');
  });

  it('starts in the saved locale, else the browser language, else zh-CN', () => {
    expect(initialLocale('en', ['zh-CN'])).toBe('en');
    expect(initialLocale(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(initialLocale(null, ['en-US'])).toBe('en');
    expect(initialLocale('fr', ['de'])).toBe('zh-CN');
  });
});
