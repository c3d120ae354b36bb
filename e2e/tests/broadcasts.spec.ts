import { request as pwRequest, type Page } from '@playwright/test';
import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI, dropStarterReplies } from '../fake';

const fakeURL = process.env.BOTDECK_E2E_FAKE_URL ?? 'http://127.0.0.1:18081';

// sendRate makes the fake Bot API allow only perSecond messages per second
// for the bot (429 with retry_after beyond), or lifts the limit with 0.
async function sendRate(botToken: string, perSecond: number) {
  const ctx = await pwRequest.newContext({ baseURL: fakeURL });
  const res = await ctx.post('/_fake/send-rate', { data: { botToken, perSecond } });
  expect(res.ok(), await res.text()).toBe(true);
  await ctx.dispose();
}

// botWithReaders connects a bot and has n people start it in Telegram,
// then waits until Botdeck has them all as users.
async function botWithReaders(page: Page, n: number) {
  const bot = await connectViaAPI(page, uniqueUsername('news'), 'Daily News');
  await dropStarterReplies(page, bot.botId); // only the broadcast speaks to the readers
  for (let i = 0; i < n; i++) {
    await fake.push(bot.token, 'start', { user: { firstName: `Reader ${i}` } });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}`)).json()).data.totalUsers, { timeout: 20_000 })
    .toBe(n);
  return bot;
}

async function progressValue(page: Page) {
  return Number(await page.getByRole('progressbar', { name: 'Broadcast progress' }).getAttribute('aria-valuenow'));
}

test('compose with a live preview, confirm, watch it send, pause, resume, finish', async ({ page }) => {
  await signUp(page);
  const bot = await botWithReaders(page, 12);
  await visit(page, `/bots/${bot.botId}/broadcasts`);
  await expect(page.getByText('No broadcasts yet')).toBeVisible();

  // The preview follows the text and points at markup mistakes.
  const preview = page.getByRole('region', { name: 'Preview' });
  await page.getByLabel('Formatting').selectOption('HTML');
  await page.getByLabel('Message').fill('<b>Hello</b> readers, <i>news');
  await expect(preview).toContainText('line 1, column 23: <i> is never closed');
  await page.getByLabel('Message').fill('<b>Hello</b> readers, <i>news</i> is out!');
  await expect(preview.locator('strong')).toHaveText('Hello');
  await expect(preview.locator('em')).toHaveText('news');
  await expectAccessible(page);

  // The audience shows its live recipient count.
  await page.getByRole('radio', { name: /Active in the last 7 days/ }).check();
  await expect(page.locator('#audience-summary')).toHaveText(/Sends to 12 users, taking about a second at 25 messages per second/);
  await page.getByRole('radio', { name: /All users/ }).check();

  // Telegram would let one message a second through: slow enough to watch
  // and to pause, with the 12 taking 12 s — at 2 a second, a loaded machine
  // (the progress checks and two axe runs before the pause) saw the
  // broadcast finish before the Pause button could be pressed.
  await sendRate(bot.token, 1);

  await page.getByRole('button', { name: 'Review broadcast' }).click();
  const review = page.getByRole('region', { name: 'Send this broadcast?' });
  await expect(review).toContainText('It goes to 12 users (All users)');
  await expect(review).toContainText('At 25 messages per second it takes about a second');
  await expect(review.locator('strong', { hasText: 'Hello' })).toBeVisible();
  await expectAccessible(page);
  expect((await fake.messages(bot.token)).length, 'reviewing sends nothing').toBe(0);

  await review.getByRole('button', { name: 'Send to 12 users' }).click();
  await expect(page).toHaveURL(/\/broadcasts\/bc_/);
  await expect(page.getByText('Broadcast queued: sending to 12 users.')).toBeVisible();
  await expectAccessible(page);

  // The progress moves without a reload.
  await expect.poll(() => progressValue(page), { timeout: 15_000 }).toBeGreaterThan(0);
  const first = await progressValue(page);
  await expect.poll(() => progressValue(page), { timeout: 15_000 }).toBeGreaterThan(first);
  await expect(page.getByText('Running', { exact: true })).toBeVisible();
  await expect(page.getByText('Time left')).toBeVisible();

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByText('Paused. Resume to send the rest.').first()).toBeVisible();
  await page.waitForTimeout(1500); // messages in flight land
  const paused = await progressValue(page);
  const sentWhenPaused = (await fake.messages(bot.token)).length;
  expect(paused).toBeLessThan(12);
  await page.waitForTimeout(2000);
  expect((await fake.messages(bot.token)).length, 'nothing is sent while paused').toBe(sentWhenPaused);
  await expectAccessible(page);

  await sendRate(bot.token, 0);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByText('Resumed: sending the rest.')).toBeVisible();
  await expect(page.getByText('12 of 12 done (100%)')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Done: 12 messages sent.' })).toBeAttached();
  await expect(page.getByText('Done', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Write a new broadcast' })).toBeVisible();
  await expectAccessible(page);

  // Everyone got it exactly once.
  const sent = await fake.messages(bot.token);
  expect(sent.length).toBe(12);
  expect(new Set(sent.map((m) => m.chatId)).size).toBe(12);
  expect(sent[0].message.text).toBe('Hello readers, news is out!');

  // The history lists it with its results.
  await page.getByRole('link', { name: /All broadcasts of/ }).click();
  const row = page.getByRole('row', { name: /Hello readers, news is out!/ });
  await expect(row).toContainText('Done');
  await expect(row).toContainText('12 of 12 sent');
  await expectAccessible(page);
});

test('an invalid draft is explained inline, and cancelling asks first', async ({ page }) => {
  await signUp(page);
  const bot = await botWithReaders(page, 3);
  await page.goto(`/bots/${bot.botId}/broadcasts`);

  await page.getByLabel('Formatting').selectOption('MarkdownV2');
  await page.getByLabel('Message').fill('Sale ends today!');
  await page.getByRole('button', { name: 'Review broadcast' }).click();
  await expect(page.getByRole('alert')).toContainText('line 1, column 16');
  await expect(page.getByText('"!" must be escaped as "\\!"').first()).toBeVisible();
  await expect(page.getByLabel('Message')).toHaveValue('Sale ends today!');
  await expect(page.getByLabel('Message')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);

  await sendRate(bot.token, 0.1); // one message, then one every 10 s: time to cancel
  await page.getByLabel('Message').fill('Sale ends today\\!');
  await page.getByRole('button', { name: 'Review broadcast' }).click();
  await page.getByRole('button', { name: 'Send to 3 users' }).click();
  await expect(page).toHaveURL(/\/broadcasts\/bc_/);

  await page.getByRole('button', { name: 'Cancel broadcast' }).click();
  await confirm(page, 'Cancel broadcast');
  await expect(page.getByText('Cancelled: nobody else will receive this broadcast.')).toBeVisible();
  await expect(page.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await expectAccessible(page);
  await sendRate(bot.token, 0);
  await page.waitForTimeout(1500);
  expect((await fake.messages(bot.token)).length, 'nothing is sent after a cancel').toBeLessThan(3);
});

test('a scheduled broadcast is edited on its page until it starts', async ({ page }) => {
  await signUp(page);
  const bot = await botWithReaders(page, 2);
  await visit(page, `/bots/${bot.botId}/broadcasts`);

  // Scheduled far ahead.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Message').fill('Summer sale soon');
  await page.getByLabel('Button 1 text').fill('Shop');
  await page.getByLabel('Button 1 link').fill('https://example.com/shop');
  await page.getByRole('radio', { name: 'Schedule' }).check();
  await page.getByLabel('Date').fill(day(40));
  await page.getByLabel('Time', { exact: true }).fill('10:00');
  await page.getByLabel('Time zone').fill('UTC');
  await page.getByRole('button', { name: 'Review broadcast' }).click();
  await page.getByRole('region', { name: 'Send this broadcast?' }).getByRole('button', { name: /^Schedule for/ }).click();
  await expect(page).toHaveURL(/\/broadcasts\/bc_/);
  const id = page.url().split('/broadcasts/')[1];

  // Edit opens the composer filled in (the time in the member's zone).
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await expect(page).toHaveURL(`/broadcasts/${id}/edit`);
  await expect(page.getByRole('heading', { name: 'Edit scheduled broadcast' })).toBeVisible();
  await expect(page.getByLabel('Message')).toHaveValue('Summer sale soon');
  await expect(page.getByLabel('Button 1 link')).toHaveValue('https://example.com/shop');
  await expect(page.getByLabel('Date')).toHaveValue(day(40));
  await expect(page.getByLabel('Time', { exact: true })).toHaveValue(/^10:00/);
  await expect(page.getByLabel('Time zone')).toHaveValue('UTC');
  await expect(page.getByRole('radio', { name: 'Send now' })).toHaveCount(0);
  await expectAccessible(page);

  // A time in the past is refused in place, with what was typed kept.
  await page.getByLabel('Message').fill('Summer sale on Friday');
  await page.getByLabel('Date').fill('2020-01-01');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('is in the past').first()).toBeVisible();
  await expect(page.getByLabel('Message')).toHaveValue('Summer sale on Friday');
  await expectAccessible(page);

  // Saved: the page and the API show the new text and time.
  await page.getByLabel('Date').fill(day(41));
  await page.getByLabel('Time', { exact: true }).fill('18:30');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(`/broadcasts/${id}`);
  await expect(page.getByText('Scheduled broadcast saved.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Message' })).toContainText('Summer sale on Friday');
  await expect(page.locator(`time[datetime="${day(41)}T18:30:00Z"]`)).toBeVisible();
  const data = (await (await page.request.get(`/api/broadcasts/${id}`)).json()).data;
  expect(data.text).toBe('Summer sale on Friday');
  expect(data.scheduledAt).toBe(`${day(41)}T18:30:00Z`);
  expect(data.status).toBe('scheduled');
  expect(data.buttons).toEqual([[{ text: 'Shop', url: 'https://example.com/shop' }]]);

  // The history offers Edit too.
  await page.getByRole('link', { name: /All broadcasts of/ }).click();
  await page.getByRole('link', { name: 'Edit scheduled broadcast: Summer sale on Friday' }).click();
  await expect(page.getByLabel('Message')).toHaveValue('Summer sale on Friday');
  expect((await fake.messages(bot.token)).length, 'nothing was sent').toBe(0);
});
