// Goal-card rules the editor checks before the server does (planning/v1/goal_card.proto):
// 1–6 tasks, each with a title and an integer weight, weights summing to 100; scores 0–100.

import { apiEnum, enumName } from './enums';
import type { GoalCard, GoalTask } from './types';

export const MAX_TASKS = 6;

export type TaskProblem =
  | { kind: 'count' }
  | { kind: 'title'; index: number }
  | { kind: 'weight'; index: number }
  | { kind: 'sum'; sum: number };

export function weightSum(tasks: Pick<GoalTask, 'weight'>[]): number {
  return tasks.reduce((s, t) => s + (Number.isFinite(Number(t.weight)) ? Number(t.weight) : 0), 0);
}

export function validateTasks(tasks: GoalTask[]): TaskProblem[] {
  const out: TaskProblem[] = [];
  if (tasks.length < 1 || tasks.length > MAX_TASKS) out.push({ kind: 'count' });
  tasks.forEach((t, index) => {
    if (!t.title.trim()) out.push({ kind: 'title', index });
    const w = Number(t.weight);
    if (!Number.isInteger(w) || w <= 0 || w > 100) out.push({ kind: 'weight', index });
  });
  const sum = weightSum(tasks);
  if (sum !== 100) out.push({ kind: 'sum', sum });
  return out;
}

/** The fields a person edits, for create and update requests (no output-only fields). */
export function editableTask(t: GoalTask): GoalTask {
  const out: GoalTask = {
    title: t.title.trim(),
    kind: apiEnum('TASK_KIND_', enumName(t.kind, 'TASK_KIND_') === 'AD_HOC' ? 'AD_HOC' : 'ROUTINE'),
    weight: Number(t.weight),
    keyResult: t.keyResult ?? '',
    dueDate: t.dueDate ?? '',
    quality: t.quality ?? '',
    cautions: t.cautions ?? '',
  };
  if (t.id) out.id = t.id;
  return out;
}

export function blankTask(weight = 0): GoalTask {
  return { title: '', kind: 'ROUTINE', weight, keyResult: '', dueDate: '', quality: '', cautions: '' };
}

/** Σ weight × score / 100 (the card score the manager's scores give); null until every task
 * has a score. */
export function weightedScore(tasks: Pick<GoalTask, 'weight' | 'id'>[], scores: Record<string, number | undefined>): number | null {
  let total = 0;
  for (const t of tasks) {
    const s = scores[t.id ?? ''];
    if (s === undefined || !Number.isFinite(s)) return null;
    total += (Number(t.weight) * s) / 100;
  }
  return Math.round(total * 100) / 100;
}

export function isScore(v: string): boolean {
  if (v.trim() === '') return false;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 100;
}

export type Capacity = 'employee' | 'manager';

/** What the caller may do next with a card, by state and capacity (the state machine of
 * goal_card.proto). */
export function nextActions(card: Pick<GoalCard, 'state'>, as: Capacity): string[] {
  const s = enumName(card.state, 'GOAL_CARD_STATE_');
  if (as === 'employee') {
    if (s === 'DRAFT' || s === 'RETURNED') return ['edit', 'submit'];
    if (s === 'APPROVED') return ['progress', 'selfAssess'];
    return [];
  }
  if (s === 'SUBMITTED') return ['approve', 'return', 'edit'];
  if (s === 'SELF_ASSESSED') return ['score'];
  if (s === 'SCORED') return ['close'];
  return [];
}

/** The review queue's tabs. */
export type Group = 'review' | 'score' | 'close' | 'active' | 'closed';

export function groupOf(state: string): Group {
  switch (enumName(state, 'GOAL_CARD_STATE_')) {
    case 'SUBMITTED':
      return 'review';
    case 'SELF_ASSESSED':
      return 'score';
    case 'SCORED':
      return 'close';
    case 'CLOSED':
      return 'closed';
    default:
      return 'active';
  }
}

