// The data the console tests look at, made through the REST API (proto3 JSON: enum values by
// their full names, GRANULARITY_MONTH; int64 as strings): an org with a company and a
// sales department, a manager and salespeople, an annual target decomposed into quarters with
// actuals, goal cards in several states, customers with Chinese names (activities, orders,
// payments), and last month's evaluation under the seed's monthly sales scheme.
import { readFileSync } from 'node:fs';
import { client } from './api.mjs';
import { mintToken } from './jwt.mjs';

const pad = (n) => String(n).padStart(2, '0');
/** Today in the org's time zone (Asia/Shanghai), YYYY-MM-DD. */
export function shanghaiToday(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
function monthStart(date, delta = 0) {
  const [y, m] = date.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-01`;
}

export async function seed({ base, secret, org, repoRoot }) {
  const token = (sub, roles) => mintToken({ sub, org, roles, secret });
  const admin = client(base, token('admin-1', ['admin']));
  const today = shanghaiToday();
  const year = today.slice(0, 4);
  const thisMonth = monthStart(today);
  const lastMonth = monthStart(today, -1);
  const twoMonthsAgo = monthStart(today, -2);

  // Directory. Every department exists before scoring first looks at the tree.
  const root = await admin.post('/v1/departments', { department: { name: '华南公司' }, requestId: admin.requestId() });
  const mgr = await admin.post('/v1/employees', { employee: { name: '王经理', departmentId: root.id, roleClass: 'ROLE_CLASS_MIDDLE_MANAGER', email: 'wang@example.com' }, requestId: admin.requestId() });
  const sales = await admin.post('/v1/departments', { department: { name: '销售部', parentId: root.id, managerId: mgr.id }, requestId: admin.requestId() });
  const mkRep = (name) => admin.post('/v1/employees', { employee: { name, departmentId: sales.id, roleClass: 'ROLE_CLASS_SALES', managerId: mgr.id }, requestId: admin.requestId() });
  const rep = await mkRep('张三');
  const others = [await mkRep('李四'), await mkRep('赵敏'), await mkRep('陈晨')];

  const tokens = {
    admin: token('admin-1', ['admin']),
    manager: token(mgr.id, ['employee', 'manager']),
    rep: token(rep.id, ['employee']),
  };
  const asMgr = client(base, tokens.manager);
  const asRep = client(base, tokens.rep);

  // Planning: the seed's 1.5亿 annual target phased 1:3:3:3 into quarters, with actuals.
  const annual = await admin.post('/v1/targets', {
    target: { name: '年度销售额', owner: { kind: 'OWNER_KIND_ORG' }, metric: 'sales', unit: 'CNY', period: { granularity: 'GRANULARITY_YEAR', startDate: `${year}-01-01` }, value: '15000000000' },
    requestId: admin.requestId(),
  });
  const quarters = await admin.post(`/v1/targets/${annual.id}:decompose`, { byTime: { granularity: 'GRANULARITY_QUARTER', weights: ['1', '3', '3', '3'] } });
  await admin.post('/v1/targets', {
    target: { name: '销售部季度签单额', owner: { kind: 'OWNER_KIND_DEPARTMENT', id: sales.id }, metric: 'signed_amount', unit: 'CNY', period: { granularity: 'GRANULARITY_QUARTER', startDate: quarters.children[Math.floor((Number(today.slice(5, 7)) - 1) / 3)].period.startDate }, value: '3000000000' },
    requestId: admin.requestId(),
  });
  // Sales actuals (in cents): one a month so far this year, seasonal, and one today.
  const monthly万 = [800, 950, 1300, 1100, 1200, 1350, 1150, 1250, 1400, 1300, 1200, 1500];
  const actuals = [];
  for (let m = 1; m <= 12; m++) {
    const d = `${year}-${pad(m)}-15`;
    if (d <= today) actuals.push([d, monthly万[m - 1]]);
  }
  if (!actuals.some(([d]) => d === today)) actuals.push([today, 300]);
  for (const [date, wan] of actuals) {
    await asRep.post('/v1/actuals', { owner: { kind: 'OWNER_KIND_EMPLOYEE', id: rep.id }, metric: 'sales', date, value: String(wan * 1000000), requestId: asRep.requestId() });
  }

  // Goal cards: this month's submitted (the manager returns it in a test), last month's
  // closed with scores (for the evaluation), two months ago self-assessed (to score).
  const tasks = [
    { title: '拜访重点客户', kind: 'TASK_KIND_ROUTINE', weight: 70, keyResult: '10 家，每家有拜访日志', dueDate: '', quality: '拜访日志当天提交' },
    { title: '新客户签约', kind: 'TASK_KIND_AD_HOC', weight: 30, keyResult: '2 家', dueDate: '', quality: '' },
  ];
  const card = await asRep.post('/v1/goalCards', { employeeId: rep.id, period: { granularity: 'GRANULARITY_MONTH', startDate: thisMonth }, tasks, requestId: asRep.requestId() });
  const submitted = await asRep.post(`/v1/goalCards/${card.id}:submit`, {});

  const walk = async (who, employeeId, startDate, until, scores = [90, 60]) => {
    let c = await who.post('/v1/goalCards', { employeeId, period: { granularity: 'GRANULARITY_MONTH', startDate }, tasks, requestId: who.requestId() });
    c = await who.post(`/v1/goalCards/${c.id}:submit`, {});
    c = await asMgr.post(`/v1/goalCards/${c.id}:approve`, {});
    c = await who.post(`/v1/goalCards/${c.id}/tasks/${c.tasks[0].id}:recordProgress`, { percent: 90, note: '已拜访 9 家' });
    c = await who.post(`/v1/goalCards/${c.id}:selfAssess`, { tasks: c.tasks.map((t, i) => ({ taskId: t.id, selfScore: i ? 85 : 95, note: i ? '签约 1 家' : '按计划完成' })) });
    if (until === 'SELF_ASSESSED') return c;
    c = await asMgr.post(`/v1/goalCards/${c.id}:score`, { tasks: c.tasks.map((t, i) => ({ taskId: t.id, score: scores[i] })) });
    if (until === 'SCORED') return c;
    c = await asMgr.post(`/v1/goalCards/${c.id}:close`, { feedback: '面谈完成：拜访扎实，签约需加强' });
    return c;
  };
  const closedCard = await walk(asRep, rep.id, lastMonth, 'CLOSED');
  const toScore = await walk(asRep, rep.id, twoMonthsAgo, 'SELF_ASSESSED');
  // The other salespeople's cards for last month, so everyone is evaluated.
  const otherScores = [[95, 90], [70, 50], [60, 40]];
  for (const [i, e] of others.entries()) {
    await walk(client(base, token(e.id, ['employee'])), e.id, lastMonth, 'SCORED', otherScores[i]);
  }

  // Customers with Chinese names, owned by the salesperson.
  const mkCustomer = (customer) => asRep.post('/v1/customers', { customer, requestId: asRep.requestId() });
  const huawei = await mkCustomer({
    name: '华为技术有限公司', kind: 'enterprise', tier: 'TIER_KEY', stage: 'STAGE_INTENT', region: { province: '广东', city: '深圳' }, industry: '通信设备',
    creditLimit: '100000000', tags: ['重点', '华南'],
    contacts: [{ name: '李经理', title: '采购总监', phone: '0755-28780808', email: 'li@example.com', decisionMaker: true, notes: '喜欢打羽毛球' }],
  });
  const others2 = [];
  for (const c of [
    { name: '华南销售有限公司', tier: 'TIER_TIER1', stage: 'STAGE_CONTACTED', region: { province: '广东', city: '广州' }, industry: '贸易' },
    { name: '北方物流集团', tier: 'TIER_TIER2', stage: 'STAGE_LEAD', region: { province: '天津', city: '天津' }, industry: '物流' },
    { name: '锦江之星酒店', tier: 'TIER_KEY', stage: 'STAGE_LEAD', region: { province: '上海', city: '上海' }, industry: '酒店' },
  ]) others2.push(await mkCustomer(c));
  await asRep.post('/v1/activities', { customerId: huawei.id, kind: 'ACTIVITY_KIND_CALL', effective: true, summary: '电话预约下周拜访，确认采购计划。', requestId: asRep.requestId() });
  await asRep.post('/v1/activities', { customerId: huawei.id, kind: 'ACTIVITY_KIND_VISIT', effective: true, summary: '拜访采购部李经理，介绍中央空调方案；客户关注能耗与售后。', requestId: asRep.requestId() });
  const signedThisMonth = today;
  const order1 = await asRep.post('/v1/orders', { customerId: huawei.id, kind: 'ORDER_KIND_REGULAR', productLine: 'central_ac', amount: '12345600', signedAt: signedThisMonth, requestId: asRep.requestId() });
  await asRep.post(`/v1/orders/${order1.id}:recordPayment`, { amount: '5000000', requestId: asRep.requestId() });
  // Last month: 12万 signed and paid in full (band [10万, 15万) and a 3% commission).
  const lastMonthDay = `${lastMonth.slice(0, 8)}15`;
  const order2 = await asRep.post('/v1/orders', { customerId: huawei.id, kind: 'ORDER_KIND_REGULAR', productLine: 'central_ac', amount: '12000000', signedAt: lastMonthDay, requestId: asRep.requestId() });
  await asRep.post(`/v1/orders/${order2.id}:recordPayment`, { amount: '12000000', receivedAt: `${lastMonthDay}T10:00:00+08:00`, requestId: asRep.requestId() });

  // 李四 signed 16万 last month (the top band).
  const asLi = client(base, token(others[0].id, ['employee']));
  const liCustomer = await asLi.post('/v1/customers', { customer: { name: '深圳湾科技有限公司', tier: 'TIER_TIER1', stage: 'STAGE_INTENT', region: { province: '广东', city: '深圳' }, industry: '电子' }, requestId: asLi.requestId() });
  const liOrder = await asLi.post('/v1/orders', { customerId: liCustomer.id, kind: 'ORDER_KIND_REGULAR', productLine: 'floor_heating', amount: '16000000', signedAt: `${lastMonth.slice(0, 8)}20`, requestId: asLi.requestId() });
  await asLi.post(`/v1/orders/${liOrder.id}:recordPayment`, { amount: '16000000', receivedAt: `${lastMonth.slice(0, 8)}25T10:00:00+08:00`, requestId: asLi.requestId() });

  // Scoring: the seed's monthly sales scheme over the company for last month.
  const schemeJson = JSON.parse(readFileSync(`${repoRoot}/examples/schemes/sales_monthly_003.json`, 'utf8'));
  const scheme = await admin.post('/v1/schemes', { scheme: schemeJson, requestId: admin.requestId() });
  let run = await admin.post('/v1/evaluationRuns', { schemeId: scheme.id, period: { granularity: 'GRANULARITY_MONTH', startDate: lastMonth }, departmentId: root.id, requestId: admin.requestId() });
  for (let i = 0; i < 100 && !/SUCCEEDED|FAILED/.test(run.state); i++) {
    await new Promise((r) => setTimeout(r, 200));
    run = await admin.get(`/v1/evaluationRuns/${run.id}`);
  }
  if (!/SUCCEEDED/.test(run.state)) throw new Error(`evaluation run did not succeed: ${JSON.stringify(run)}`);

  return {
    org, tokens, today, thisMonth, lastMonth,
    root, sales, mgr, rep, others,
    annual, quarters: quarters.children,
    card: submitted, closedCard, toScore,
    huawei, order1, order2, customers: others2,
    scheme, run,
  };
}
