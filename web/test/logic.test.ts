import { describe, expect, it } from 'vitest';
import { cumulative, linearScale, niceStep, niceTicks } from '../src/lib/chart';
import { enumName, isEnum } from '../src/lib/enums';
import { editableTask, groupOf, nextActions, validateTasks, weightedScore, weightSum } from '../src/lib/goalcard';
import { mergeNotice } from '../src/lib/notices';
import { addDays, apiPeriod, daysBetween, granularityOfCycle, periodContaining, periodEnd, shiftPeriod, today } from '../src/lib/period';
import { buildTree } from '../src/lib/targets';
import type { GoalTask, Notice, Target } from '../src/lib/types';
import { parseHash, routeForLink } from '../src/router';
import { topManagedDepartments } from '../src/directory';

const task = (title: string, weight: number, id?: string): GoalTask => ({ id, title, weight, kind: 'ROUTINE', keyResult: '', dueDate: '', quality: '', cautions: '' });

describe('enums', () => {
  it('match on the suffix', () => {
    expect(enumName('GOAL_CARD_STATE_SELF_ASSESSED')).toBe('SELF_ASSESSED');
    expect(enumName('SUBMITTED')).toBe('SUBMITTED');
    expect(enumName('TIER_TIER1')).toBe('TIER1');
    expect(enumName('STAGE_FIRST_ORDER', 'STAGE_')).toBe('FIRST_ORDER');
    expect(enumName(undefined)).toBe('UNSPECIFIED');
    expect(isEnum('GOAL_CARD_STATE_SELF_ASSESSED', 'ASSESSED')).toBe(false);
    expect(isEnum('GOAL_CARD_STATE_RETURNED', 'RETURNED')).toBe(true);
  });
});

describe('goal cards', () => {
  it('check tasks like the server', () => {
    expect(validateTasks([task('拜访重点客户', 70), task('新客户签约', 30)])).toEqual([]);
    expect(validateTasks([task('a', 70), task('', 20)])).toEqual([{ kind: 'title', index: 1 }, { kind: 'sum', sum: 90 }]);
    expect(validateTasks([task('a', 50.5), task('b', 49.5)])).toEqual([{ kind: 'weight', index: 0 }, { kind: 'weight', index: 1 }]);
    expect(validateTasks([]).map((p) => p.kind)).toEqual(['count', 'sum']);
    expect(validateTasks(Array.from({ length: 7 }, (_, i) => task(`t${i}`, i ? 15 : 10)))[0]).toEqual({ kind: 'count' });
    expect(weightSum([task('a', 60), task('b', 40)])).toBe(100);
  });

  it('score a card by weight (the walkthrough: 70×90 + 30×60 = 81)', () => {
    const tasks = [task('a', 70, 't1'), task('b', 30, 't2')];
    expect(weightedScore(tasks, { t1: 90, t2: 60 })).toBe(81);
    expect(weightedScore(tasks, { t1: 90 })).toBeNull();
  });

  it('send only editable task fields', () => {
    const t = { ...task(' 拜访 ', 70, 't1'), kind: 'TASK_KIND_AD_HOC', progressPercent: 80, score: 90 };
    expect(editableTask(t)).toEqual({ id: 't1', title: '拜访', kind: 'TASK_KIND_AD_HOC', weight: 70, keyResult: '', dueDate: '', quality: '', cautions: '' });
  });

  it('offer the next steps of the state machine', () => {
    expect(nextActions({ state: 'GOAL_CARD_STATE_DRAFT' }, 'employee')).toEqual(['edit', 'submit']);
    expect(nextActions({ state: 'RETURNED' }, 'employee')).toEqual(['edit', 'submit']);
    expect(nextActions({ state: 'SUBMITTED' }, 'employee')).toEqual([]);
    expect(nextActions({ state: 'APPROVED' }, 'employee')).toEqual(['progress', 'selfAssess']);
    expect(nextActions({ state: 'SUBMITTED' }, 'manager')).toEqual(['approve', 'return', 'edit']);
    expect(nextActions({ state: 'SELF_ASSESSED' }, 'manager')).toEqual(['score']);
    expect(nextActions({ state: 'SCORED' }, 'manager')).toEqual(['close']);
    expect(nextActions({ state: 'CLOSED' }, 'manager')).toEqual([]);
    expect(groupOf('GOAL_CARD_STATE_SUBMITTED')).toBe('review');
    expect(groupOf('RETURNED')).toBe('active');
  });
});

describe('periods', () => {
  it('align and step', () => {
    expect(periodContaining('MONTH', '2026-03-17')).toEqual({ granularity: 'MONTH', startDate: '2026-03-01' });
    expect(periodContaining('QUARTER', '2026-08-17').startDate).toBe('2026-07-01');
    expect(periodContaining('HALF', '2026-06-30').startDate).toBe('2026-01-01');
    expect(periodContaining('WEEK', '2026-03-08').startDate).toBe('2026-03-02');
    expect(shiftPeriod({ granularity: 'MONTH', startDate: '2026-01-01' }, -1).startDate).toBe('2025-12-01');
    expect(shiftPeriod({ granularity: 'GRANULARITY_QUARTER', startDate: '2026-10-01' }, 1)).toEqual({ granularity: 'QUARTER', startDate: '2027-01-01' });
    expect(periodEnd({ granularity: 'MONTH', startDate: '2026-02-01' })).toBe('2026-02-28');
    expect(periodEnd({ granularity: 'YEAR', startDate: '2024-01-01' })).toBe('2024-12-31');
    expect(granularityOfCycle('CYCLE_HALF_YEARLY')).toBe('HALF');
    expect(apiPeriod({ granularity: 'MONTH', startDate: '2026-03-01' })).toEqual({ granularity: 'GRANULARITY_MONTH', startDate: '2026-03-01' });
    expect(apiPeriod({ granularity: 'GRANULARITY_YEAR', startDate: '2026-01-01' }).granularity).toBe('GRANULARITY_YEAR');
    expect(granularityOfCycle('MONTHLY')).toBe('MONTH');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
  });
  it('know today in a time zone', () => {
    const t = new Date('2026-03-05T17:00:00Z');
    expect(today('Asia/Shanghai', t)).toBe('2026-03-06');
    expect(today('UTC', t)).toBe('2026-03-05');
  });
});

describe('charts', () => {
  it('pick nice ticks', () => {
    expect(niceStep(150000000, 5)).toBe(50000000);
    expect(niceTicks(150000000, 5)).toEqual([0, 50000000, 100000000, 150000000]);
    expect(niceTicks(7, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 4)).toEqual([0, 1]);
    expect(linearScale([0, 10], [100, 0])(5)).toBe(50);
    expect(cumulative([15, 45, 45, 45])).toEqual([15, 60, 105, 150]);
  });
});

describe('targets', () => {
  it('form a tree with children in date order', () => {
    const t = (id: string, parentId: string, startDate: string) => ({ id, parentId, startDate, period: { granularity: 'QUARTER', startDate } }) as unknown as Target;
    const tree = buildTree([t('q3', 'y', '2026-07-01'), t('y', '', '2026-01-01'), t('q1', 'y', '2026-01-01'), t('orphan', 'gone', '2026-01-01')]);
    expect(tree.map((n) => n.target.id)).toEqual(['orphan', 'y']);
    expect(tree[1].children.map((n) => n.target.id)).toEqual(['q1', 'q3']);
  });
});

describe('notices', () => {
  it('merge newest first without duplicates', () => {
    const n = (id: string, createTime: string, read = false) => ({ id, createTime, read }) as Notice;
    let list = [n('a', '2026-03-01T00:00:00Z'), n('b', '2026-03-02T00:00:00Z')];
    list = mergeNotice(list, n('c', '2026-03-03T00:00:00Z'));
    list = mergeNotice(list, n('a', '2026-03-01T00:00:00Z', true));
    expect(list.map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(list[2].read).toBe(true);
  });
});

describe('routing', () => {
  it('parses hash routes', () => {
    expect(parseHash('#/customers/cu_1?tab=orders')).toEqual({ path: '/customers/cu_1', segments: ['customers', 'cu_1'], query: { tab: 'orders' } });
    expect(parseHash('').path).toBe('/');
    expect(parseHash('#/customers/%E5%8D%8E').segments[1]).toBe('华');
  });
  it('maps notice links to pages', () => {
    expect(routeForLink('goalCards/gc_1', 'planning.goal_card.returned')).toBe('#/goals?card=gc_1');
    expect(routeForLink('goalCards/gc_1', 'planning.goal_card.submitted')).toBe('#/queue?card=gc_1');
    expect(routeForLink('customers/cu_9')).toBe('#/customers/cu_9');
    expect(routeForLink('gc_7', 'planning.goal_card.returned')).toBe('#/goals?card=gc_7');
    expect(routeForLink('cus_3', 'crm.customer.released_to_pool')).toBe('#/customers/cus_3');
    // notify links some notices to the employee (the event subject): the event type decides.
    expect(routeForLink('emp_1', 'planning.goal_card.returned')).toBe('#/goals');
    expect(routeForLink('emp_1', 'planning.goal_card.submitted')).toBe('#/queue');
    expect(routeForLink('emp_1', 'scoring.evaluation.completed')).toBe('#/scoring');
    expect(routeForLink('emp_1', 'crm.visit.overdue')).toBe('#/dueVisits');
    expect(routeForLink('')).toBeNull();
    expect(routeForLink('unknown/x')).toBeNull();
  });
});

describe('directory', () => {
  it('finds the top departments a manager manages', () => {
    const d = (id: string, parentId: string, managerId: string) => ({ id, parentId, managerId, name: id });
    const list = [d('root', '', 'boss'), d('sales', 'root', 'm1'), d('east', 'sales', 'm1'), d('west', 'sales', 'm2'), d('hr', 'root', 'm1')];
    expect(topManagedDepartments(list, 'm1').map((x) => x.id)).toEqual(['sales', 'hr']);
    expect(topManagedDepartments(list, 'm2').map((x) => x.id)).toEqual(['west']);
    expect(topManagedDepartments(list, 'nobody')).toEqual([]);
  });
});
