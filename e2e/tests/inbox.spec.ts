import { type Page } from '@playwright/test';
import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI } from '../fake';

// The inbox: a person writes to the bot (through the fake Bot API), the
// open conversation shows it without a reload, the owner answers from the
// composer, the fake Bot API receives it, and the user page shows both.

async function markPage(page: Page) {
  await page.evaluate(() => { (window as any).__notReloaded = true; });
}
async function expectNotReloaded(page: Page) {
  expect(await page.evaluate(() => (window as any).__notReloaded), 'the page was not reloaded').toBe(true);
}

test('a message arrives live, the owner answers, the user page shows both', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('inbox'), 'Support Desk');
  const userId = 880_000_000 + Math.floor(Math.random() * 1_000_000);
  await fake.push(bot.token, 'message', { user: { id: userId, firstName: 'Nadia' }, text: 'Hello, is anyone there?' });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data.length, { timeout: 20_000 })
    .toBe(1);

  // The inbox lists her, with the unread count; the navigation too.
  await visit(page, `/bots/${bot.botId}/conversations`);
  await expect(page.getByRole('link', { name: /Nadia/ })).toBeVisible();
  await expect(page.getByText('1 unread message')).toBeAttached();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByText('unread messages')).toBeAttached();

  // A new message appears in the open inbox without a reload.
  await markPage(page);
  await fake.push(bot.token, 'message', { userId, text: 'Still waiting…' });
  await expect(page.getByText('Still waiting…')).toBeVisible({ timeout: 20_000 });
  await expectNotReloaded(page);

  // The conversation: both messages, live.
  const stream = page.waitForRequest((r) => r.url().includes('/api/events?') && r.url().includes(`subject=${userId}`));
  await page.getByRole('link', { name: /Nadia/ }).click();
  await stream;
  await expect(page.getByText('Hello, is anyone there?')).toBeVisible();
  await expectAccessible(page);
  await markPage(page);
  await fake.push(bot.token, 'message', { userId, text: 'Order #4411' });
  await expect(page.getByText('Order #4411')).toBeVisible({ timeout: 20_000 });

  // The owner answers with formatting, sending with Ctrl+Enter.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('found it');
  await box.selectText();
  await page.getByRole('button', { name: 'Bold' }).click();
  await expect(box).toHaveValue('<b>found it</b>');
  await box.press('Control+Enter');
  await expect(page.locator('#thread').getByText('found it')).toBeVisible({ timeout: 20_000 });
  await expect(box).toHaveValue('');
  await expectNotReloaded(page);
  await expect
    .poll(async () => (await fake.messages(bot.token, userId)).map((m) => m.text), { timeout: 20_000 })
    .toContain('<b>found it</b>');

  // The user page shows both directions.
  await visit(page, `/bots/${bot.botId}/users/${userId}`);
  await expect(page.getByRole('heading', { name: 'Nadia' })).toBeVisible();
  await expect(page.getByText('Order #4411')).toBeVisible();
  await expect(page.getByText('found it')).toBeVisible();
  await expectAccessible(page);

  // 390 px wide: nothing overflows sideways.
  await page.setViewportSize({ width: 390, height: 800 });
  for (const path of [`/bots/${bot.botId}/conversations`, `/bots/${bot.botId}/users/${userId}/messages`, `/bots/${bot.botId}/users/${userId}`]) {
    await visit(page, path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${path} fits 390 px`).toBeLessThanOrEqual(0);
  }
  await expectAccessible(page);
});

test('the composer is off when the user blocked the bot', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('blocked'), 'Blocked Desk');
  const userId = 881_000_000 + Math.floor(Math.random() * 1_000_000);
  await fake.push(bot.token, 'message', { user: { id: userId, firstName: 'Omar' }, text: 'bye' });
  await fake.push(bot.token, 'block', { userId });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data[0]?.botBlocked, { timeout: 20_000 })
    .toBe(true);
  await visit(page, `/bots/${bot.botId}/users/${userId}/messages`);
  await expect(page.getByRole('note').filter({ hasText: 'blocked' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  await expectAccessible(page);
});

test('the inbox pages pass axe in dark mode, on a desktop and a 390 px phone', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('darkinbox'), 'Night Desk');
  const userId = 882_000_000 + Math.floor(Math.random() * 1_000_000);
  await fake.push(bot.token, 'message', { user: { id: userId, firstName: 'Lena' }, text: 'Are you open at night?' });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data.length, { timeout: 20_000 })
    .toBe(1);
  expect((await page.request.post(`/api/bots/${bot.botId}/users/${userId}/messages`, { data: { text: 'We are.' } })).status()).toBe(201);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of [`/bots/${bot.botId}/conversations`, `/bots/${bot.botId}/users/${userId}/messages`, `/bots/${bot.botId}/users/${userId}`]) {
      await visit(page, path);
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(bg, `background of ${path}`).toBe('rgb(2, 6, 23)');
    }
  }
});
