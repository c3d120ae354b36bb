import { request as pwRequest, type Page } from '@playwright/test';
import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI, dropStarterReplies } from '../fake';

// Pages that follow GET /api/events: changes made elsewhere (another tab,
// the API, the sender) show up without a reload and without polling.

const fakeURL = process.env.BOTDECK_E2E_FAKE_URL ?? 'http://127.0.0.1:18081';

async function sendRate(botToken: string, perSecond: number) {
  const ctx = await pwRequest.newContext({ baseURL: fakeURL });
  const res = await ctx.post('/_fake/send-rate', { data: { botToken, perSecond } });
  expect(res.ok(), await res.text()).toBe(true);
  await ctx.dispose();
}

// markPage leaves a value on window that only survives if the page is
// never reloaded.
async function markPage(page: Page) {
  await page.evaluate(() => { (window as any).__notReloaded = true; });
}
async function expectNotReloaded(page: Page) {
  expect(await page.evaluate(() => (window as any).__notReloaded), 'the page was not reloaded').toBe(true);
}

test('the broadcast page follows the event stream', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('live'), 'Live News');
  await dropStarterReplies(page, bot.botId); // only the broadcast speaks to the readers
  for (let i = 0; i < 6; i++) await fake.push(bot.token, 'start', { user: { firstName: `Reader ${i}` } });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}`)).json()).data.totalUsers, { timeout: 20_000 })
    .toBe(6);

  // Telegram lets one message through every 5 s: the broadcast stays
  // running while we look.
  await sendRate(bot.token, 0.2);
  const created = await page.request.post(`/api/bots/${bot.botId}/broadcasts`, { data: { text: 'Live update' } });
  expect(created.status()).toBe(201);
  const id = (await created.json()).data.id as string;

  const stream = page.waitForRequest((r) => r.url().includes('/api/events?') && r.url().includes(`subject=${id}`));
  await visit(page, `/broadcasts/${id}`);
  await stream;
  await markPage(page);
  const progress = page.locator('#broadcast-progress');
  await expect(progress).toHaveAttribute('hx-trigger', /sse:broadcast/);
  await expect(progress).not.toHaveAttribute('hx-trigger', /every/);

  // Paused through the API (another tab, a script): the page shows it.
  expect((await page.request.post(`/api/broadcasts/${id}/pause`)).status()).toBe(200);
  await expect(page.getByText('Paused', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
  await expectAccessible(page);

  // Resumed without a limit: the page follows the sender to the end.
  await sendRate(bot.token, 0);
  expect((await page.request.post(`/api/broadcasts/${id}/resume`)).status()).toBe(200);
  await expect(page.getByText('6 of 6 done (100%)')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Done', { exact: true })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Done: 6 messages sent.' })).toBeAttached();
  await expect(page.getByRole('link', { name: 'Write a new broadcast' })).toBeVisible();
  await expectNotReloaded(page);
  await expectAccessible(page);
});

test('the bot page shows a status change made elsewhere', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('status'), 'Status Bot');
  const stream = page.waitForRequest((r) => r.url().includes(`/api/events?bot=${bot.botId}&kind=bot`));
  await visit(page, `/bots/${bot.botId}`);
  await stream;
  await markPage(page);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();

  expect((await page.request.post(`/api/bots/${bot.botId}/stop`)).status()).toBe(200);
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible();
  await expect(page.getByText('Stopped: Botdeck ignores this bot')).toBeVisible();

  expect((await page.request.post(`/api/bots/${bot.botId}/start`)).status()).toBe(200);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  await expectNotReloaded(page);
  await expectAccessible(page);
});

// A page opens one event stream, which also rings the bell: a browser
// allows six connections per host over HTTP/1.1, shared by every tab, and
// with a stream for the page and another for the bell the fourth tab never
// loaded.
test('live pages open one stream each, so many tabs stay usable', async ({ page, context }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('tabs'), 'Tabs Bot');
  const streams: string[] = [];
  context.on('request', (r) => { if (r.url().includes('/api/events?')) streams.push(r.url()); });
  const tabs = [page];
  for (let i = 0; i < 4; i++) tabs.push(await context.newPage());
  for (const tab of tabs) {
    await visit(tab, `/bots/${bot.botId}`);
    await expect(tab.getByRole('button', { name: 'Stop' })).toBeVisible();
  }
  await expect.poll(() => streams.length).toBe(tabs.length);
  for (const url of streams) expect(url).toContain('notifications=true');

  // Every tab still follows its stream: a change made elsewhere shows in the last one.
  expect((await page.request.post(`/api/bots/${bot.botId}/stop`)).status()).toBe(200);
  await expect(tabs[tabs.length - 1].getByRole('button', { name: 'Start' })).toBeVisible();
  // And a page without live parts opens the bell's stream alone.
  await visit(tabs[1], '/account');
  await expect.poll(() => streams.filter((u) => u.includes('kind=notification&subject=')).length).toBe(1);
});
