import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, connectViaAPI } from '../fake';
import type { Page } from '@playwright/test';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// today is how the stats tables write the current UTC day: "21 Nov 2026".
function today() {
  const d = new Date();
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

// stat is a headline number: the definition that follows the term label
// in the cards' description list.
const stat = (page: Page, label: string) =>
  page.getByRole('term').filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) }).locator('xpath=following-sibling::dd[1]');

// Updates are processed asynchronously (within about a second): reload
// until check passes.
async function reloadUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 20_000, intervals: [250, 500, 1000] });
}

// uniqueUserId keeps fake Telegram users apart across tests and runs.
const uniqueUserId = () => 5_000_000_000 + Math.floor(Math.random() * 1_000_000_000);

test('updates pushed through Telegram show up in the stats cards, the charts and the dashboard', async ({ page }) => {
  await signUp(page);
  // Before the first bot, the dashboard explains how to get one.
  await expect(page.getByRole('heading', { name: 'Connect your first bot' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Get a token from @BotFather' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'How updates will reach this Botdeck' })).toBeVisible();
  await expect(page.getByText('webhook', { exact: true }).first()).toBeVisible();
  await expectAccessible(page);

  const bot = await connectViaAPI(page);
  const ids = [uniqueUserId(), uniqueUserId(), uniqueUserId()];
  for (const [i, id] of ids.entries()) await fake.push(bot.token, 'start', { user: { id, firstName: `Fan ${i}` } });
  await fake.push(bot.token, 'message', { userId: ids[0], text: 'hello' });
  await fake.push(bot.token, 'block', { userId: ids[2] });

  await visit(page, `/bots/${bot.botId}/stats`);
  await expect(page.getByRole('navigation', { name: 'Bot sections' }).getByRole('link', { name: 'Stats' })).toHaveAttribute('aria-current', 'page');
  await reloadUntil(page, async () => {
    await expect(stat(page, 'Users')).toHaveText('3', { timeout: 500 });
    await expect(stat(page, 'Blocked the bot')).toHaveText('1', { timeout: 500 });
  });
  await expect(stat(page, 'New users')).toHaveText('3');
  await expect(stat(page, 'Active users')).toHaveText('3');
  await expect(stat(page, 'Errors')).toHaveText('0');

  // Each chart is one image whose description tells what it shows.
  const newUsers = page.getByRole('img', { name: 'New users per day' });
  await expect(newUsers).toHaveAccessibleDescription(/^30 days from .+ to .+: 3 new users in total/);
  await expect(page.getByRole('img', { name: 'Active users per day' })).toHaveAccessibleDescription(/: 3 different active users/);
  await expect(page.getByRole('img', { name: 'Updates per day' })).toHaveAccessibleDescription(/: 5 updates in total/);
  await expect(page.getByRole('img', { name: 'Errors per day' })).toHaveAccessibleDescription(/: no errors\.$/);
  await expect(page.getByRole('table', { name: /received since the bot was connected/ })).toContainText('Messages');

  // … and its numbers are a real table.
  const table = page.getByRole('table', { name: 'New users per day' });
  await expect(table).toBeHidden();
  await page.getByText('Show the numbers: New users').click();
  await expect(table.getByRole('row', { name: `${today()} (today, so far) 3` })).toBeVisible();
  await expect(table.getByRole('row')).toHaveCount(31);
  await expectAccessible(page);

  // The period lives in the URL.
  const period = page.getByRole('navigation', { name: 'Period' });
  await period.getByRole('link', { name: '7 days' }).click();
  await expect(page).toHaveURL(/\/stats\?days=7$/);
  await expect(period.getByRole('link', { name: '7 days' })).toHaveAttribute('aria-current', 'page');
  await expect(newUsers).toHaveAccessibleDescription(/^7 days from .+: 3 new users in total/);
  await page.reload();
  await expect(period.getByRole('link', { name: '7 days' })).toHaveAttribute('aria-current', 'page');
  await period.getByRole('link', { name: '90 days' }).click();
  await expect(page).toHaveURL(/days=90/);
  await expect(newUsers).toHaveAccessibleDescription(/^90 days from/);
  await expectAccessible(page);

  // The dashboard adds up the account's bots.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(stat(page, 'Users')).toHaveText('3');
  await expect(stat(page, 'Blocked the bot')).toHaveText('1');
  await expect(page.getByRole('img', { name: 'Updates per day' })).toHaveAccessibleDescription(/: 5 updates in total/);
  await expectAccessible(page);
  const bots = page.getByRole('region', { name: 'Your bots' });
  await expect(bots.getByRole('listitem')).toHaveCount(1);
  await expect(bots).toContainText('3 users');
  await bots.getByRole('link', { name: bot.firstName }).click();
  await expect(page).toHaveURL(new RegExp(`/bots/${bot.botId}$`));
});

test('the dashboard sums every bot that is not disconnected', async ({ page }) => {
  await signUp(page);
  const a = await connectViaAPI(page);
  const b = await connectViaAPI(page);
  const gone = await connectViaAPI(page);
  await fake.push(a.token, 'start', { user: { id: uniqueUserId() } });
  await fake.push(b.token, 'start', { user: { id: uniqueUserId() } });
  await fake.push(b.token, 'start', { user: { id: uniqueUserId() } });
  await fake.push(gone.token, 'start', { user: { id: uniqueUserId() } });
  await expect(async () => {
    const res = await page.request.get(`/api/bots/${gone.botId}/stats`);
    expect((await res.json()).data.totalUsers).toBe(1);
  }).toPass({ timeout: 20_000 });
  expect((await page.request.delete(`/api/bots/${gone.botId}`)).status()).toBe(200);

  await visit(page, '/');
  await reloadUntil(page, async () => {
    await expect(stat(page, 'Users')).toHaveText('3', { timeout: 500 });
  });
  await expect(page.getByRole('img', { name: 'New users per day' })).toHaveAccessibleDescription(/: 3 new users in total/);
  const bots = page.getByRole('region', { name: 'Your bots' });
  await expect(bots.getByRole('listitem')).toHaveCount(2);
  await expect(bots.getByRole('listitem').first()).toContainText(b.firstName); // most users first
  await expect(page.getByRole('link', { name: 'Show disconnected bots (1)' })).toBeVisible();
});

test('chats where the bot becomes an administrator are listed, and leave the list when it is demoted', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}/chats`);
  await expect(page.getByText('Invite users via link')).toBeVisible();

  const group = await fake.createChat('supergroup', `Fans of ${bot.firstName}`);
  const channel = await fake.createChat('channel', `News <${bot.username}>`);
  await fake.push(bot.token, 'bot_promoted', { chatId: group.id });
  await fake.push(bot.token, 'bot_promoted', { chatId: channel.id });
  await reloadUntil(page, async () => {
    await expect(page.getByRole('radio')).toHaveCount(2, { timeout: 500 });
  });
  await expect(page.getByRole('group', { name: 'Chat' })).toBeVisible();
  await page.getByLabel(`News <${bot.username}>`).check();
  await expect(page.getByRole('radio', { name: new RegExp(`Fans of ${bot.firstName}`) })).not.toBeChecked();
  await expectAccessible(page);

  await fake.push(bot.token, 'bot_demoted', { chatId: group.id });
  await reloadUntil(page, async () => {
    await expect(page.getByRole('radio')).toHaveCount(1, { timeout: 500 });
  });
  const api = await (await page.request.get(`/api/bots/${bot.botId}/chats`)).json();
  expect(api.data).toEqual([
    { chatId: channel.id, title: `News <${bot.username}>`, type: 'channel', username: '', canInviteUsers: true, trackedBy: null },
  ]);
});
