// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core: no browser
// download, and the flags that keep Chromium from calling out on a closed network.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--font-render-hinting=none',
];

export async function launch() {
  const executablePath = process.env.OPSUITE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (apt-get install chromium, or set OPSUITE_CHROMIUM)`);
  // launch() runs Chromium on a fresh temporary profile (user data dir) and removes it after.
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/** A browser context as a person in Shanghai with a Chinese browser would have. */
export async function newContext(browser, { token, locale = 'zh-CN' } = {}) {
  const ctx = await browser.newContext({
    locale,
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1366, height: 900 },
    deviceScaleFactor: 1,
  });
  ctx.setDefaultTimeout(15_000);
  if (token) {
    // Signed in before the first script runs (the console keeps its token in localStorage).
    await ctx.addInitScript((t) => {
      if (!sessionStorage.getItem('e2e.signedIn')) {
        localStorage.setItem('opsuite.token', t);
        sessionStorage.setItem('e2e.signedIn', '1');
      }
    }, token);
  }
  return ctx;
}

/** Collects page errors and failed API answers so a test can report them. */
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', async (r) => {
    // A name the caller may not read (403 on GET /v1/employees/{id}) shows as an id, by design.
    if (r.status() === 403 && /\/v1\/employees\/[^/?:]+$/.test(r.url()) && r.request().method() === 'GET') return;
    if (r.url().includes('/v1/') && r.status() >= 400) problems.push(`${r.request().method()} ${r.url()} → ${r.status()} ${await r.text().catch(() => '')}`);
  });
  return problems;
}

export function artifactsDir(repoRoot) {
  const dir = process.env.OPSUITE_ARTIFACTS_DIR || join(repoRoot, 'build', 'artifacts', 'web');
  mkdirSync(dir, { recursive: true });
  return dir;
}
