// Enum values come as names, possibly with their type prefix (GOAL_CARD_STATE_SUBMITTED);
// DESIGN.md §8: clients match on the suffix.

const PREFIXES = [
  'GOAL_CARD_STATE_', 'GRANULARITY_', 'OWNER_KIND_', 'DECOMPOSITION_', 'PROGRESS_STATUS_',
  'TASK_KIND_', 'ROLE_CLASS_', 'TIER_', 'STAGE_', 'ACTIVITY_KIND_', 'ORDER_KIND_', 'SUBJECT_KIND_',
  'CYCLE_', 'FLAG_', 'EVALUATION_STATE_', 'RUN_STATE_', 'CHANNEL_', 'DELIVERY_STATE_',
];

/** The bare name: "GOAL_CARD_STATE_SUBMITTED" → "SUBMITTED"; numbers and unknowns stay. */
export function enumName(value: string | number | null | undefined, prefix?: string): string {
  if (value === null || value === undefined) return 'UNSPECIFIED';
  const v = String(value);
  if (prefix) return v.startsWith(prefix) ? v.slice(prefix.length) : v;
  for (const p of PREFIXES) if (v.startsWith(p)) return v.slice(p.length);
  return v;
}

/** True when `value` names `name` with or without a prefix. */
export function isEnum(value: string | null | undefined, name: string): boolean {
  if (!value) return name === 'UNSPECIFIED';
  return enumName(value) === name;
}

export const GOAL_CARD_STATES = ['DRAFT', 'SUBMITTED', 'RETURNED', 'APPROVED', 'SELF_ASSESSED', 'SCORED', 'CLOSED'] as const;
export const TASK_KINDS = ['ROUTINE', 'AD_HOC'] as const;
export const TIERS = ['KEY', 'TIER1', 'TIER2', 'OTHER'] as const;
export const STAGES = ['LEAD', 'CONTACTED', 'INTENT', 'SAMPLE_ORDER', 'FIRST_ORDER', 'REPEAT', 'DORMANT', 'LOST'] as const;
export const ACTIVITY_KINDS = ['CALL', 'VISIT', 'MEETING', 'EMAIL', 'FOLLOW_UP'] as const;
export const GRANULARITIES = ['YEAR', 'HALF', 'QUARTER', 'MONTH', 'WEEK', 'DAY'] as const;
export type GranularityName = (typeof GRANULARITIES)[number];

/** The full proto enum value name the API expects on input (proto3 JSON uses the value's own
 * name): apiEnum('TASK_KIND_', 'AD_HOC') → 'TASK_KIND_AD_HOC'; a prefixed value stays. */
export function apiEnum(prefix: string, value: string): string {
  return prefix + enumName(value, prefix);
}
