import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { test, expect, expectAccessible } from '../fixtures';
import type { Page } from '@playwright/test';

// The demo is its own server (with its own sandbox Bot API), started here
// exactly as a newcomer would: `botdeck demo`. The printed credentials are
// the only way in.
const port = process.env.BOTDECK_E2E_DEMO_PORT ?? '18090';
const base = `http://127.0.0.1:${port}`;
const shots = process.env.BOTDECK_SCREENSHOTS === '1';

let demo: ChildProcess;
let output = '';
let email = '';
let password = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  demo = spawn(path.join(__dirname, '..', '..', 'bin', 'botdeck'), ['demo', '--addr', `127.0.0.1:${port}`, '--seed', '7'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.on('data', (d) => { output += d.toString(); });
  demo.stderr!.on('data', (d) => { output += d.toString(); });
  await expect.poll(() => output, { timeout: 110_000, message: 'the demo prints its credentials' }).toContain('Press Ctrl-C to stop.');
  // The credentials come at once; the pages below need the whole month of history.
  await expect.poll(() => output, { timeout: 110_000, message: 'the demo fills in its history' }).toContain('History ready');
  email = /Email\s+(\S+)/.exec(output)![1];
  password = /Password\s+(\S+)/.exec(output)![1];
});

test.afterAll(async () => {
  if (!demo || demo.exitCode !== null) return;
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
  const started = Date.now();
  demo.kill('SIGINT'); // what Ctrl-C sends
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 5_000))]);
  expect(code, 'the demo exits cleanly within 5 seconds of Ctrl-C').toBe(0);
  expect(Date.now() - started).toBeLessThan(5_000);
});

async function signIn(page: Page) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

// check opens a page of the demo and verifies what every page must have.
// name, when given, is the screenshot's file name under docs/img.
async function check(page: Page, url: string, name: string | null, shows: (page: Page) => Promise<void>) {
  const res = await page.goto(url.startsWith('http') ? url : base + url);
  expect(res?.status(), `status of ${url}`).toBe(200);
  await expect(page.getByRole('note').filter({ hasText: 'Demo — sandbox Telegram, nothing is sent.' })).toBeVisible();
  await shows(page);
  await expectAccessible(page);
  if (shots && name) {
    await page.screenshot({ path: path.join(__dirname, '..', '..', 'docs', 'img', `${name}.png`), fullPage: false });
  }
}

test('the demo: every page has live data, no console errors, no serious accessibility issue @screenshots', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(email).toBe('demo@botdeck.local');
  await signIn(page);

  await check(page, '/', 'dashboard', async (p) => {
    await expect(p.getByRole('img', { name: /New users/ }).first()).toBeVisible();
  });
  await check(page, '/bots', 'bots', async (p) => {
    await expect(p.getByRole('table').getByRole('row')).toHaveCount(4);
  });
  const botLinks = await page.getByRole('table').getByRole('link').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
  const support = (await page.getByRole('link', { name: 'Support Desk' }).getAttribute('href'))!; // the bot with the example code
  for (const [i, bot] of botLinks.entries()) {
    const shot = bot === support;
    await check(page, bot, shot ? 'bot' : null, async (p) => {
      await expect(p.getByText('Waiting updates')).toBeVisible(); // live getWebhookInfo from the sandbox
    });
    await check(page, `${bot}/users`, shot ? 'users' : null, async (p) => {
      await expect(p.getByRole('table').getByRole('row').nth(5)).toBeVisible();
    });
    await check(page, `${bot}/stats`, shot ? 'stats' : null, async (p) => {
      await expect(p.getByRole('img', { name: /New users/ })).toBeVisible();
    });
    await check(page, `${bot}/broadcasts`, shot ? 'broadcasts' : null, async () => {});
    await check(page, `${bot}/logs`, null, async () => {});
  }
  await check(page, `${support}/code`, 'code', async (p) => {
    await expect(p.getByText('order-status', { exact: true })).toBeVisible();
    await expect(p.getByRole('textbox', { name: /JavaScript source/ })).toContainText("logic['order-status']");
  });
  await check(page, `${support}/logs`, 'logs', async (p) => {
    await expect(p.getByText(/order looked up|new sign-up/).first()).toBeVisible(); // handler console output
  });

  // Broadcasts: one finished, one running (the demo keeps one going).
  const broadcastLinks: string[] = [];
  for (const bot of botLinks) {
    await page.goto(`${base}${bot}/broadcasts`);
    broadcastLinks.push(...await page.locator('a[href^="/broadcasts/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!)));
  }
  expect(broadcastLinks.length).toBeGreaterThanOrEqual(2);
  for (const [i, b] of broadcastLinks.slice(0, 2).entries()) {
    await check(page, b, i === 0 ? 'broadcast' : null, async (p) => {
      await expect(p.getByRole('progressbar').first()).toBeVisible();
    });
  }

  await check(page, '/campaigns', 'campaigns', async (p) => {
    await expect(p.getByRole('table').getByRole('row')).toHaveCount(3);
  });
  const campaigns = await page.getByRole('table').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  for (const [i, c] of campaigns.entries()) {
    await check(page, c, i === 0 ? 'campaign' : null, async (p) => {
      await expect(p.getByRole('region', { name: 'Leads' }).getByRole('row').nth(3)).toBeVisible();
    });
  }
  await check(page, '/campaigns/new', 'campaign-new', async (p) => {
    await expect(p.getByLabel('Bot', { exact: true })).toBeVisible();
  });
  await check(page, '/bots/new', 'connect', async () => {});
  await check(page, '/account', 'account', async () => {});
  await check(page, '/account/api-keys', 'api-keys', async () => {});
});
