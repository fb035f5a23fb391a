// The web console end to end: a real `opsuite` (gateway + every service) on a real Redis,
// started by run.sh, driven in headless Chromium. Data is seeded through the REST API with
// tokens minted here (HS256, the server's secret).
//
//   OPSUITE_HTTP=http://127.0.0.1:PORT OPSUITE_JWT_SECRET=... node --test console.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactsDir, launch, newContext, watchPage } from './lib/browser.mjs';
import { mintToken } from './lib/jwt.mjs';
import { seed } from './lib/seed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const BASE = (process.env.OPSUITE_HTTP || '').replace(/\/$/, '');
const SECRET = process.env.OPSUITE_JWT_SECRET || '';
if (!BASE || !SECRET) throw new Error('set OPSUITE_HTTP (the gateway base URL) and OPSUITE_JWT_SECRET');
const ART = artifactsDir(repoRoot);
const tid = (id) => `[data-testid="${id}"]`;

let browser;
let data;
const contexts = [];
const timings = {};

async function pageAs(token, hash, opts = {}) {
  const ctx = await newContext(browser, { token, ...opts });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const problems = watchPage(page);
  await page.goto(`${BASE}/${hash}`);
  return { page, problems, ctx };
}

async function shot(page, name) {
  await page.evaluate(() => document.fonts?.ready);
  await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
}

/** Fails on an error box the console shows (an API call that failed). */
async function assertNoErrorBox(page, where) {
  const boxes = page.locator(tid('error'));
  if ((await boxes.count()) > 0) {
    const text = await boxes.first().innerText();
    assert.fail(`${where}: the console shows an error: ${text}`);
  }
}

before(async () => {
  const t0 = Date.now();
  data = await seed({ base: BASE, secret: SECRET, org: `e2e${Date.now().toString(36)}`, repoRoot });
  timings.seedMs = Date.now() - t0;
  browser = await launch();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  if (Object.keys(timings).length) console.log(`# timings ${JSON.stringify(timings)}`);
});

describe('web console', () => {
  test('the gateway serves the console and the sign-in page takes a pasted JWT', async () => {
    const { page, problems } = await pageAs(null, '');
    await page.waitForSelector(tid('signin-token'));
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await shot(page, '01-sign-in');
    // A bad paste is refused on the page, before any call.
    await page.fill(tid('signin-token'), 'not-a-token');
    await page.click(tid('signin-submit'));
    await page.waitForSelector(tid('signin-error'));
    // The manager's development token signs in and shows who is signed in.
    await page.fill(tid('signin-token'), `Bearer ${data.tokens.manager}`);
    await page.waitForSelector(tid('signin-preview'));
    await page.click(tid('signin-submit'));
    await page.waitForSelector(tid('user-name'));
    assert.equal(await page.textContent(tid('user-name')), '王经理');
    await page.waitForSelector(tid('nav-queue')); // managers get the review queue
    assert.equal(await page.evaluate(() => localStorage.getItem('opsuite.token')), data.tokens.manager);
    // Signing out forgets the token.
    await page.click(tid('signout'));
    await page.waitForSelector(tid('signin-token'));
    assert.equal(await page.evaluate(() => localStorage.getItem('opsuite.token')), null);
    assert.deepEqual(problems.filter((p) => !p.startsWith('console:')), []);
  });

  test('a token the gateway rejects (401) returns to sign-in with the message', async () => {
    const forged = mintToken({ sub: data.rep.id, org: data.org, roles: ['employee'], secret: 'not-the-secret' });
    const { page } = await pageAs(forged, '#/targets');
    await page.waitForSelector(tid('signin-message'));
    const message = await page.textContent(tid('signin-message'));
    assert.ok(message && message.length > 8, `a reason is shown: ${message}`);
    assert.equal(await page.evaluate(() => localStorage.getItem('opsuite.token')), null);
  });

  test('screenshots of every main page', async () => {
    const rep = await pageAs(data.tokens.rep, `#/targets?target=${data.annual.id}`);
    let p = rep.page;
    await p.waitForSelector(tid('progress-chart'));
    await p.waitForSelector(tid('plan-actual-chart'));
    await p.waitForSelector(`${tid('target-tree')} ${tid(`target-node-${data.quarters[0].id}`)}`);
    assert.match(await p.textContent(tid('stat-plan')), /150,000,000\.00/);
    await assertNoErrorBox(p, 'targets');
    await shot(p, '02-planning-targets');

    await p.goto(`${BASE}/#/goals?card=${data.closedCard.id}`);
    await p.waitForSelector(`${tid('goal-card-view')}[data-state="CLOSED"]`);
    await p.waitForSelector(tid('card-score'));
    assert.match(await p.textContent(tid('card-score')), /81/); // (70×90 + 30×60) / 100
    await assertNoErrorBox(p, 'goal cards');
    await shot(p, '03-goal-cards');
    await p.goto(`${BASE}/#/goals?card=${data.card.id}`);
    await p.waitForSelector(`${tid('goal-card-view')}[data-state="SUBMITTED"]`);

    await p.goto(`${BASE}/#/customers`);
    await p.waitForSelector(tid(`customer-row-${data.huawei.id}`));
    await assertNoErrorBox(p, 'customers');
    await shot(p, '05-customers');

    await p.goto(`${BASE}/#/customers/${data.huawei.id}`);
    await p.waitForSelector(`${tid('activity-timeline')} li`);
    await p.waitForSelector(tid('orders-table'));
    await assertNoErrorBox(p, 'customer detail');
    await shot(p, '06-customer-detail');

    // Looking 95 days ahead every customer is due (key accounts every 30 days, tier 2 every 90).
    const ahead = new Date(Date.parse(`${data.today}T00:00:00Z`) + 95 * 86400000).toISOString().slice(0, 10);
    await p.goto(`${BASE}/#/dueVisits?asOf=${ahead}`);
    await p.waitForSelector(tid(`due-row-${data.huawei.id}`));
    assert.equal(await p.locator(`${tid('due-visits')} tbody tr`).count(), 4);
    await assertNoErrorBox(p, 'due visits');
    await shot(p, '07-due-visits');

    await p.goto(`${BASE}/#/scoring?scheme=${data.scheme.id}&period=${data.lastMonth}`);
    await p.waitForSelector(tid('evaluation-items'));
    await p.waitForSelector(tid('leaderboard'));
    await p.waitForSelector(tid('distribution-chart'));
    assert.ok(Number((await p.textContent(tid('evaluation-total'))).replace(/[^\d.]/g, '')) > 0);
    assert.match(await p.textContent(tid('evaluation-item-signed_amount')), /签单额/);
    await assertNoErrorBox(p, 'scoring');
    await shot(p, '08-scoring');

    await p.goto(`${BASE}/#/inbox`);
    await p.waitForSelector(`${tid('inbox-list')}, ${tid('inbox-empty')}`);
    await assertNoErrorBox(p, 'inbox');
    await shot(p, '09-inbox');

    const mgr = await pageAs(data.tokens.manager, '#/queue');
    p = mgr.page;
    await p.waitForSelector(tid(`queue-card-${data.card.id}`));
    await p.click(tid(`queue-card-${data.card.id}`));
    await p.waitForSelector(tid('queue-approve'));
    await assertNoErrorBox(p, 'queue');
    await shot(p, '04-manager-queue');
    await p.click(tid('tab-score'));
    await p.click(tid(`queue-card-${data.toScore.id}`));
    await p.waitForSelector(tid('score-form'));
    await shot(p, '04b-manager-queue-score');
    assert.deepEqual(rep.problems.concat(mgr.problems).filter((x) => !x.startsWith('console:')), []);
  });

  test('a manager returns a goal card and the employee sees the notice arrive live', async () => {
    // The employee's console is already open (on the inbox) before the manager acts.
    const emp = await pageAs(data.tokens.rep, '#/inbox');
    await emp.page.waitForSelector(`${tid('stream-state')}[data-state="open"]`);
    await emp.page.waitForSelector(`${tid('inbox-list')}, ${tid('inbox-empty')}`);
    const returned = '[data-event-type="planning.goal_card.returned"]';
    assert.equal(await emp.page.locator(returned).count(), 0);
    const unreadBefore = Number(await emp.page.textContent(tid('unread-count')));

    const mgr = await pageAs(data.tokens.manager, `#/queue?card=${data.card.id}`);
    const m = mgr.page;
    await m.waitForSelector(tid('queue-return'));
    await m.click(tid('queue-return'));
    const reason = '签约目标要写金额（e2e）';
    await m.fill(tid('return-reason-input'), reason);
    const t0 = Date.now();
    await m.click(tid('return-confirm'));
    await m.waitForSelector(`${tid('card-state')}[data-value="RETURNED"]`);

    // SSE → the open inbox, within ~10 s, without a reload.
    const notice = emp.page.locator(returned).first();
    await notice.waitFor({ timeout: 15_000 });
    timings.returnToNoticeMs = Date.now() - t0; // click → notice on the employee's page
    assert.ok(timings.returnToNoticeMs < 15_000);
    assert.equal(await notice.getAttribute('data-read'), 'false');
    assert.match(await notice.innerText(), new RegExp(reason.replace(/[()（）]/g, '.')));
    await emp.page.waitForFunction(
      ([sel, n]) => Number(document.querySelector(sel)?.textContent) > n,
      [tid('unread-count'), unreadBefore],
    );
    const unreadAfter = Number(await emp.page.textContent(tid('unread-count')));
    assert.ok(unreadAfter > unreadBefore, `unread ${unreadBefore} → ${unreadAfter}`);
    await shot(emp.page, '10-inbox-live-notice');

    // The notice leads to the returned card with the reason.
    const id = (await notice.getAttribute('data-testid')).replace(/^notice-/, '');
    await emp.page.click(tid(`mark-read-${id}`));
    await emp.page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.textContent) === n, [tid('unread-count'), unreadAfter - 1]);
    await emp.page.locator(`${tid(`notice-${id}`)} ${tid('notice-open')}`).click();
    await emp.page.waitForSelector(`${tid('goal-card-view')}[data-state="RETURNED"]`);
    assert.match(await emp.page.textContent(tid('return-reason')), new RegExp(reason.replace(/[()（）]/g, '.')));
    assert.deepEqual(emp.problems.concat(mgr.problems).filter((x) => !x.startsWith('console:')), []);
  });

  test('the live inbox reconnects with backoff and Last-Event-ID and gets what it missed', async () => {
    const { page, ctx } = await pageAs(data.tokens.rep, '#/inbox');
    // The first stream attempts fail (as if the gateway were away) after the list has loaded.
    const watches = [];
    let blocked = true;
    await ctx.route('**/v1/inbox:watch*', (route) => {
      watches.push({ url: route.request().url(), lastEventId: route.request().headers()['last-event-id'] ?? '' });
      return blocked ? route.abort('connectionreset') : route.fallback();
    });
    await page.waitForSelector(`${tid('stream-state')}[data-state="retrying"]`);
    await page.waitForSelector(tid('inbox-list'));
    const newestListed = (await page.locator(`${tid('inbox-list')} > li`).first().getAttribute('data-testid')).replace(/^notice-/, '');
    const unreadBefore = Number(await page.textContent(tid('unread-count')));

    // A notice arrives while the console is disconnected.
    const admin = (await import('./lib/api.mjs')).client(BASE, data.tokens.admin);
    const sent = await admin.post('/v1/notifications:send', {
      recipientIds: [data.rep.id], templateKey: 'scheduler.reminder', data: { message: '请在周六 18:00 前提交周报' }, transactionId: `e2e-${Date.now()}`,
    });
    const missed = sent.noticeIds[0];

    blocked = false;
    await page.waitForSelector(tid(`notice-${missed}`), { timeout: 40_000 });
    await page.waitForSelector(`${tid('stream-state')}[data-state="open"]`);
    assert.ok(watches.length >= 2, `retried ${watches.length} times`);
    const last = watches[watches.length - 1];
    assert.equal(last.lastEventId, newestListed, 'resumes after the newest notice it had');
    assert.match(last.url, new RegExp(`afterId=${newestListed}`));
    assert.equal(Number(await page.textContent(tid('unread-count'))), unreadBefore + 1);
  });

  test('the returned card goes round the whole cycle in the console: edit, resubmit, approve, progress, self-assess, score, close', async () => {
    const cardUrl = `${BASE}/#/goals?card=${data.card.id}`;
    const queueUrl = `${BASE}/#/queue?card=${data.card.id}`;
    const emp = await pageAs(data.tokens.rep, `#/goals?card=${data.card.id}`);
    const e = emp.page;
    await e.waitForSelector(`${tid('goal-card-view')}[data-state="RETURNED"]`);
    await e.click(tid('card-edit'));
    await e.fill(tid('task-key-result-1'), '2 家，合同金额合计 ≥ 20 万元');
    await e.fill(tid('task-weight-0'), '60');
    assert.match(await e.textContent(tid('weight-sum')), /90%/);
    assert.ok(await e.isDisabled(tid('card-save-submit')), 'weights that do not sum to 100 cannot be saved');
    await e.fill(tid('task-weight-1'), '40');
    await e.click(tid('card-save-submit'));
    await e.waitForSelector(`${tid('goal-card-view')}[data-state="SUBMITTED"]`);
    assert.match(await e.textContent(tid('task-table')), /合同金额合计/);

    const mgr = await pageAs(data.tokens.manager, `#/queue?card=${data.card.id}`);
    const m = mgr.page;
    await m.click(tid('queue-approve'));
    await m.waitForSelector(`${tid('card-state')}[data-value="APPROVED"]`);

    await e.goto(cardUrl);
    await e.reload();
    await e.waitForSelector(`${tid('goal-card-view')}[data-state="APPROVED"]`);
    await e.click(tid('card-progress'));
    await e.fill(tid('progress-percent'), '80');
    await e.fill(tid('progress-note'), '已拜访 8 家');
    await e.click(tid('progress-submit'));
    await e.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('80%'), `${tid('task-table')} tbody tr:first-child`);
    await e.click(tid('card-self-assess'));
    await e.fill(tid('self-score-0'), '90');
    await e.fill(tid('self-score-1'), '85');
    await e.fill(tid('self-note-1'), '签约 2 家，合计 22 万');
    await e.click(tid('self-assess-submit'));
    await e.waitForSelector(`${tid('goal-card-view')}[data-state="SELF_ASSESSED"]`);

    await m.goto(queueUrl);
    await m.reload();
    await m.waitForSelector(tid('score-form'));
    await m.fill(tid('score-0'), '90');
    await m.fill(tid('score-1'), '70');
    assert.match(await m.textContent(tid('score-preview')), /82/); // 60×90 + 40×70 = 82 × 100
    await m.click(tid('score-submit'));
    await m.waitForSelector(`${tid('card-state')}[data-value="SCORED"]`);
    await m.click(tid('queue-close'));
    await m.fill(tid('close-feedback'), '面谈：确认结果，下月重点拓展新客户');
    await m.click(tid('close-confirm'));
    await m.waitForSelector(`${tid('card-state')}[data-value="CLOSED"]`);
    assert.match(await m.textContent(tid('card-score')), /82/);
    await shot(m, '12-queue-closed-card');

    await e.goto(cardUrl);
    await e.reload();
    await e.waitForSelector(`${tid('goal-card-view')}[data-state="CLOSED"]`);
    assert.match(await e.textContent(tid('card-feedback')), /下月重点拓展新客户/);
    assert.deepEqual(emp.problems.concat(mgr.problems).filter((x) => !x.startsWith('console:')), []);
  });

  test('an employee drafts a new goal card in the console and submits it', async () => {
    const { page, problems } = await pageAs(data.tokens.rep, '#/goals');
    await page.click(tid('card-new'));
    const [y, m] = data.today.split('-').map(Number);
    const next = `${m === 12 ? y + 1 : y}-${String((m % 12) + 1).padStart(2, '0')}`;
    await page.fill(tid('new-card-month'), next);
    await page.fill(tid('task-title-0'), '完成季度回款');
    await page.fill(tid('task-key-result-0'), '回款率 ≥ 95%');
    await page.click(tid('task-add'));
    assert.ok(await page.isDisabled(tid('new-card-create')), 'the second task needs a title first');
    await page.fill(tid('task-weight-0'), '50');
    await page.fill(tid('task-title-1'), '拜访重点客户');
    await page.fill(tid('task-weight-1'), '50');
    await page.selectOption(tid('task-kind-1'), 'AD_HOC');
    await page.click(tid('new-card-create'));
    await page.waitForSelector(`${tid('goal-card-view')}[data-state="DRAFT"]`);
    assert.match(await page.textContent(tid('task-table')), /临时任务/);
    await shot(page, '03b-goal-card-draft');
    await page.click(tid('card-submit'));
    await page.waitForSelector(`${tid('goal-card-view')}[data-state="SUBMITTED"]`);
    assert.deepEqual(problems.filter((x) => !x.startsWith('console:')), []);
  });

  test('a salesperson finds a customer by a traditional-character query and opens it', async () => {
    const { page, problems } = await pageAs(data.tokens.rep, '#/customers');
    await page.waitForSelector(tid('customer-search'));
    await page.fill(tid('customer-search'), '華為');
    const row = page.locator(tid(`customer-row-${data.huawei.id}`));
    await row.waitFor();
    await page.waitForFunction((sel) => document.querySelectorAll(`${sel} tbody tr`).length === 1, tid('customer-results'));
    await row.locator(tid('customer-link')).click();
    await page.waitForSelector(tid('customer-name'));
    assert.equal(await page.textContent(tid('customer-name')), '华为技术有限公司');
    await page.waitForSelector(`${tid('activity-timeline')} li`);
    assert.equal(await page.locator(`${tid('activity-timeline')} > li`).count(), 2);
    assert.match(await page.textContent(tid('activity-timeline')), /拜访采购部李经理/);
    assert.equal(await page.locator(`${tid('orders-table')} tbody tr`).count(), 2);
    // 123,456.00 + 120,000.00, summed from cents.
    assert.equal(await page.textContent(tid('orders-total')), '¥243,456.00');
    // The visit just made goes on the timeline.
    await page.click(tid('log-activity'));
    await page.selectOption(tid('activity-kind'), 'VISIT');
    await page.fill(tid('activity-summary'), '回访：確認合同條款，下周送样');
    await page.click(tid('activity-save'));
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, `${tid('activity-timeline')} > li`);
    assert.match(await page.textContent(`${tid('activity-timeline')} > li:first-child`), /確認合同條款/);
    assert.deepEqual(problems.filter((x) => !x.startsWith('console:')), []);
  });

  test('switching to English changes labels, money and dates', async () => {
    const { page } = await pageAs(data.tokens.rep, `#/customers/${data.huawei.id}`);
    await page.waitForSelector(tid(`order-${data.order1.id}`));
    const order = page.locator(tid(`order-${data.order1.id}`));
    const [y, mo, d] = data.today.split('-').map(Number);
    const day = new Date(Date.UTC(y, mo - 1, d));
    const dateIn = (l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeZone: 'UTC' }).format(day);

    assert.equal((await page.textContent(tid('nav-customers'))).trim(), '客户');
    assert.equal(await order.locator(tid('order-amount')).textContent(), '¥123,456.00');
    assert.equal(await order.locator(tid('order-date')).textContent(), dateIn('zh-CN'));
    assert.equal(await order.locator(tid('order-date')).textContent(), `${y}年${mo}月${d}日`);

    await page.selectOption(tid('locale-switch'), 'en');
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.trim() === 'Customers', tid('nav-customers'));
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await order.locator(tid('order-amount')).textContent(), 'CN¥123,456.00');
    assert.equal(await order.locator(tid('order-date')).textContent(), dateIn('en'));
    assert.match(await order.locator(tid('order-date')).textContent(), /^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    assert.equal(await page.textContent(tid('orders-total')), 'CN¥243,456.00');
    await shot(page, '11-customer-detail-en');

    // The choice is kept.
    await page.reload();
    await page.waitForSelector(tid(`order-${data.order1.id}`));
    assert.equal((await page.textContent(tid('nav-customers'))).trim(), 'Customers');
  });
});
