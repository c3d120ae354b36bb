import * as fs from 'node:fs';
import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, connectViaAPI } from '../fake';
import type { Page } from '@playwright/test';

// Telegram user ids unique to this run: the fake Bot API keeps its users
// across tests.
let nextUserId = 7_000_000_000 + (Date.now() % 1_000_000) * 1000;
function person(firstName: string, lastName: string, extra: object = {}) {
  return { id: nextUserId++, firstName, lastName, ...extra };
}

// waitForRows reloads until the users table shows n users: updates reach
// the table through the webhook and the ingest pipeline, asynchronously.
async function waitForRows(page: Page, n: number) {
  const rows = page.getByRole('table').getByRole('row');
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(n + 1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  return rows;
}

test('users pushed through Telegram appear; search, filter, sort and pages stay in the URL', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const usersURL = `/bots/${bot.botId}/users`;

  await visit(page, usersURL);
  await expect(page.getByRole('heading', { name: 'No users yet' })).toBeVisible();
  await expect(page.getByText(`start @${bot.username} in Telegram`)).toBeVisible();

  const tag = Date.now().toString(36);
  const anna = person('Anna', 'Kowalska', { username: `anna_${tag}`, languageCode: 'pl', withPhoto: true });
  const boris = person('Boris', 'Ivanov', { languageCode: 'ru', isPremium: true });
  const chloe = person('Chloé', 'Martin', { username: `chloe_${tag}`, languageCode: 'fr', withPhoto: true });
  for (const user of [anna, boris, chloe]) {
    await fake.push(bot.token, 'start', { user });
  }
  await fake.push(bot.token, 'block', { userId: boris.id }); // Boris blocks the bot in Telegram

  const rows = await waitForRows(page, 3);
  await expect(page.getByRole('link', { name: 'Users', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(rows.nth(1)).toContainText('Chloé Martin'); // newest first
  await expect(rows.nth(1)).toContainText(`@chloe_${tag}`);
  const annaRow = rows.filter({ hasText: 'Anna Kowalska' });
  await expect(annaRow).toContainText('pl');
  await expect(annaRow).toContainText('Active');
  // Boris's block is a later update: it may land after the three starts were shown.
  await expect(async () => {
    await page.reload();
    await expect(rows.filter({ hasText: 'Boris Ivanov' })).toContainText('Blocked the bot', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(rows.filter({ hasText: 'Boris Ivanov' })).toContainText('Premium');
  // The avatar is the real photo, fetched by the server (never a Telegram URL).
  const avatar = annaRow.locator('img');
  await expect(avatar).toHaveAttribute('src', `${usersURL}/${anna.id}/photo`);
  await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  expect(await page.content()).not.toContain(bot.token);
  await expectAccessible(page);

  // Search as you type: the box keeps focus, the URL follows.
  const search = page.getByLabel('Search users');
  await search.pressSequentially('kowal', { delay: 40 });
  await expect(page).toHaveURL(/q=kowal/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Anna Kowalska');
  await expect(search).toBeFocused();
  await expect(page.getByRole('status').filter({ hasText: '1 user match “kowal”' })).toBeAttached();
  await expectAccessible(page);

  await search.fill(String(boris.id)); // an exact user id
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Boris Ivanov');

  await search.fill('nobody-here');
  await expect(page.getByText('No users match “nobody-here”')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Clear the search' }).click();
  await expect(rows).toHaveCount(4);
  await expect(search).toHaveValue('');

  // Status tabs.
  const filter = page.getByRole('navigation', { name: 'Filter by status' });
  await filter.getByRole('link', { name: 'Blocked the bot' }).click();
  await expect(page).toHaveURL(/status=botBlocked/);
  await expect(filter.getByRole('link', { name: 'Blocked the bot' })).toHaveAttribute('aria-current', 'page');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Boris Ivanov');
  await expectAccessible(page);
  await filter.getByRole('link', { name: 'Blocked by you' }).click();
  await expect(page.getByText('You have not blocked anyone.')).toBeVisible();
  await expectAccessible(page);
  await filter.getByRole('link', { name: 'Active' }).click();
  await expect(rows).toHaveCount(3);

  // Sort, then pages; a reload keeps it all.
  await page.getByLabel('Sort by').selectOption({ label: 'Name' });
  await expect(page).toHaveURL(/sort=name/);
  await expect(rows.nth(1)).toContainText('Anna Kowalska');
  await page.goto(`${usersURL}?sort=name&limit=2`);
  await expect(page.getByText('Page 1 of 2', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Chloé Martin');
  await expectAccessible(page);
  await page.reload(); // the URL holds the whole state
  await expect(page.getByText('Page 2 of 2', { exact: true })).toBeVisible();
  await expect(rows.nth(1)).toContainText('Chloé Martin');

  // On a phone: the state moves under the name, the action stays in
  // reach, and nothing widens the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(usersURL);
  await expect(rows.filter({ hasText: 'Boris Ivanov' })).toContainText('Blocked the bot');
  const block = rows.filter({ hasText: 'Anna Kowalska' }).getByRole('button', { name: 'Block Anna Kowalska' });
  await block.scrollIntoViewIfNeeded(); // the list may run below the fold; the button must not be cut off sideways
  await expect(block).toBeInViewport({ ratio: 1 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page);
  await page.setViewportSize({ width: 1280, height: 720 });

  // Unblocking the bot in Telegram clears the state.
  await fake.push(bot.token, 'unblock', { userId: boris.id });
  await page.goto(`${usersURL}?status=botBlocked`);
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('Nobody has blocked the bot in Telegram.')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
});

test('block and unblock a user, with and without JavaScript', async ({ page, browser }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const dana = person('Dana', 'Scully', { username: `dana_${Date.now().toString(36)}` });
  const eli = person('Eli', 'Moss');
  await fake.push(bot.token, 'start', { user: dana });
  await fake.push(bot.token, 'message', { user: eli, text: 'hi' });
  await page.goto(`/bots/${bot.botId}/users`);
  const rows = await waitForRows(page, 2);

  const danaRow = rows.filter({ hasText: 'Dana Scully' });
  await danaRow.getByRole('button', { name: 'Block Dana Scully' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Blocked Dana Scully' })).toBeVisible(); // the toast
  await expect(danaRow).toContainText('Blocked by you');
  await expect(danaRow.getByRole('button', { name: 'Unblock Dana Scully' })).toBeFocused();
  await expectAccessible(page);

  const filter = page.getByRole('navigation', { name: 'Filter by status' });
  await filter.getByRole('link', { name: 'Blocked by you' }).click();
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Dana Scully');
  await danaRow.getByRole('button', { name: 'Unblock Dana Scully' }).click();
  await expect(danaRow).toContainText('Active');
  await expect(page.getByRole('status').filter({ hasText: 'Unblocked Dana Scully.' })).toBeVisible();

  // The same forms work as plain posts when scripts are off.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const noJS = await plain.newPage();
  await noJS.goto(`/bots/${bot.botId}/users?q=eli`);
  await noJS.getByRole('button', { name: 'Block Eli Moss' }).click();
  await expect(noJS).toHaveURL(new RegExp(`/bots/${bot.botId}/users\\?q=eli$`));
  await expect(noJS.getByText('Blocked Eli Moss')).toBeVisible();
  await expect(noJS.getByRole('table')).toContainText('Blocked by you');
  await plain.close();
});

test('export the current filter as CSV', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const tag = Date.now().toString(36);
  const users = [
    person('Frank', 'Zappa', { username: `frank_${tag}` }),
    person('=HYPERLINK("http://evil.example")', 'Mallory'),
    person('Grace', 'Hopper', { languageCode: 'en' }),
  ];
  for (const user of users) {
    await fake.push(bot.token, 'start', { user });
  }
  await page.goto(`/bots/${bot.botId}/users`);
  await waitForRows(page, 3);

  const downloadAll = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const all = await downloadAll;
  expect(all.suggestedFilename()).toMatch(new RegExp(`^${bot.username}-users-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const lines = fs.readFileSync((await all.path())!, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('userId,username,firstName,lastName,name,languageCode,isPremium,startedAt,lastSeenAt,blocked,botBlocked');
  expect(lines).toHaveLength(4);
  expect(lines.join('\n')).toContain(`${users[0].id},frank_${tag},Frank,Zappa,Frank Zappa`);
  // The formula is neutralised: a leading quote makes spreadsheets show it as text.
  expect(lines.join('\n')).toContain(`${users[1].id},,"'=HYPERLINK(""http://evil.example"")",Mallory`);

  // The link follows the search.
  await page.getByLabel('Search users').fill('grace');
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', /users\.csv\?q=grace/);
  const downloadOne = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const one = fs.readFileSync((await (await downloadOne).path())!, 'utf8').trim().split('\n');
  expect(one).toHaveLength(2);
  expect(one[1]).toContain('Grace,Hopper');
  await expectAccessible(page);
});
