// JSON shapes of the opsuite API (proto3 JSON mapping of proto/opsuite/**): lowerCamelCase
// names, enums as their names, int64 as strings, Timestamps as RFC 3339 strings. Enum values
// may carry their type prefix (GOAL_CARD_STATE_SUBMITTED); match them with enumName().

export type Int64 = string; // int64 in JSON; numbers are accepted too on input

export interface Period {
  granularity: string; // YEAR | HALF | QUARTER | MONTH | WEEK | DAY (maybe prefixed GRANULARITY_)
  startDate: string; // YYYY-MM-DD
}

export interface Department {
  id: string;
  name: string;
  parentId: string;
  managerId: string;
  etag?: string;
}

export interface Employee {
  id: string;
  name: string;
  departmentId: string;
  roleClass: string;
  managerId: string;
  email: string;
  locale: string;
  timezone: string;
  etag?: string;
}

export interface Owner {
  kind: string; // ORG | DEPARTMENT | EMPLOYEE
  id: string;
}

export interface Target {
  id: string;
  owner: Owner;
  metric: string;
  unit: string;
  period: Period;
  value: Int64;
  parentId: string;
  decomposition: string; // UNSPECIFIED | BY_TIME | BY_OWNER
  startDate: string;
  endDate: string;
  name: string;
}

export interface Progress {
  targetId: string;
  asOf: string;
  value: Int64;
  actual: Int64;
  planToDate: Int64;
  completionRatio: number;
  expectedRatio: number;
  elapsedRatio: number;
  variance: Int64;
  status: string; // ON_TRACK | AT_RISK | BEHIND | ACHIEVED
  gap: Int64;
}

export interface GoalTask {
  id?: string;
  title: string;
  kind: string; // ROUTINE | AD_HOC
  weight: number;
  keyResult: string;
  dueDate: string;
  quality: string;
  cautions: string;
  progressPercent?: number;
  progressNote?: string;
  selfScore?: number;
  selfNote?: string;
  score?: number;
}

export interface StateChange {
  from: string;
  to: string;
  actorId: string;
  time: string;
  reason: string;
}

export interface GoalCard {
  id: string;
  employeeId: string;
  departmentId: string;
  period: Period;
  state: string;
  tasks: GoalTask[];
  score?: number;
  returnReason: string;
  feedback: string;
  history: StateChange[];
  etag: string;
  createTime?: string;
  updateTime?: string;
}

export interface Contact {
  id?: string;
  name: string;
  title: string;
  phone: string;
  email: string;
  birthday: string;
  decisionMaker: boolean;
  notes: string;
}

export interface Customer {
  id: string;
  name: string;
  kind: string;
  tier: string;
  stage: string;
  region?: { province: string; city: string };
  industry: string;
  ownerId: string;
  creditLimit: Int64; // cents
  currency: string;
  contacts: Contact[];
  tags: string[];
  notes: string;
  annualConsumptionCents: Int64;
  discountPercent: number;
  stageHistory: { from: string; to: string; actorId: string; time?: string; reason: string }[];
  ownerHistory: { fromOwnerId: string; toOwnerId: string; actorId: string; time?: string; reason: string }[];
  lastEffectiveActivityTime?: string;
  openReceivables: Int64; // cents
  etag: string;
  createTime?: string;
  updateTime?: string;
}

export interface Activity {
  id: string;
  customerId: string;
  employeeId: string;
  kind: string; // CALL | VISIT | MEETING | EMAIL | FOLLOW_UP
  occurredAt?: string;
  effective: boolean;
  summary: string;
  nextFollowUpAt?: string;
  createTime?: string;
}

export interface DueVisit {
  customerId: string;
  customerName: string;
  tier: string;
  ownerId: string;
  lastVisitTime?: string;
  dueDate: string;
  daysOverdue: number;
}

export interface Payment {
  id: string;
  amount: Int64;
  receivedAt?: string;
}

export interface Order {
  id: string;
  customerId: string;
  ownerId: string;
  kind: string; // SAMPLE | REGULAR
  productLine: string;
  amount: Int64; // cents
  currency: string;
  signedAt: string;
  payments: Payment[];
  paid: Int64;
  paidInFull: boolean;
  paidInFullOn: string;
}

export interface Scheme {
  id: string;
  name: string;
  subjectKind: string;
  cycle: string; // MONTHLY | QUARTERLY | HALF_YEARLY | YEARLY
  items: { code: string; name: string; weight: number }[];
  grades: { grade: string; minScore: number }[];
}

export interface ItemResult {
  code: string;
  name: string;
  weight: number;
  raw: number;
  score: number;
  detail: string;
  bonus: Int64;
  commission: Int64;
  penalties: Int64;
  flags: string[];
  periodsBelow: number;
}

export interface Evaluation {
  id: string;
  schemeId: string;
  subjectId: string;
  subjectKind: string;
  departmentId: string;
  period: Period;
  runId: string;
  state: string;
  failureReason: string;
  totalScore: number;
  computedScore: number;
  grade: string;
  items: ItemResult[];
  bonus: Int64;
  commission: Int64;
  penalties: Int64;
  flags: string[];
  version: Int64;
  adjustments: { actorId: string; time?: string; before: number; after: number; reason: string }[];
  createTime?: string;
}

export interface LeaderboardEntry {
  rank: number;
  subjectId: string;
  totalScore: number;
  grade: string;
  evaluationId: string;
}

export interface Leaderboard {
  entries: LeaderboardEntry[];
  total: number;
}

export interface HistogramBucket {
  lower: number;
  upper: number;
  count: number;
}

export interface Distribution {
  count: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  buckets: HistogramBucket[];
  gradeCounts: Record<string, number>;
}

export interface Notice {
  id: string;
  recipientId: string;
  eventId: string;
  eventType: string;
  title: string;
  body: string;
  critical: boolean;
  read: boolean;
  createTime?: string;
  readTime?: string;
  link: string;
  category: string;
}

export interface ListInboxResponse {
  notices?: Notice[];
  nextPageToken?: string;
  unreadCount?: number;
}
