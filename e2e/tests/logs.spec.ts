import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { connectViaAPI } from '../fake';
import type { Page } from '@playwright/test';

// writeLogs fills the bot's log the way a bot owner's code does: a
// JavaScript handler whose console output lands in the log (console.log as
// info, console.error as error), called through its public URL, oldest
// entry first. Entry i is an error when i is odd (01, 03, … 25).
async function writeLogs(page: Page, botId: string, count: number) {
  const code = `logic['note'] = async (q) => { if (q.level === 'error') console.error(q.text); else console.log(q.text); return true; };`;
  const saved = await page.request.put(`/api/bots/${botId}/code`, { data: { source: code } });
  expect(saved.status(), await saved.text()).toBe(200);
  for (let i = 1; i <= count; i++) {
    const level = i % 2 ? 'error' : 'info';
    const res = await page.request.get(`/custom/${botId}/note?level=${level}&text=entry%20${String(i).padStart(2, '0')}`);
    expect(res.status()).toBe(200);
  }
}

test('the log filters by level and source in the URL, pages, and clears after confirmation', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}/logs`);
  await expect(page.getByRole('heading', { name: 'Nothing logged yet' })).toBeVisible();
  await expect(page.getByText('errors Telegram returns')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Clear log' })).toHaveCount(0);

  await writeLogs(page, bot.botId, 25);
  await page.reload();
  const rows = page.getByRole('table', { name: /Log entries/ }).getByRole('row');
  await expect(rows).toHaveCount(21); // the header and the first 20
  await expect(rows.nth(1)).toContainText('entry 25');
  await expect(page.getByText('Page 1 of 2 · 25 entries')).toBeVisible();
  await page.getByText('Details').first().click();
  await expect(page.getByText('console.error in handler "note"').first()).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Level').selectOption({ label: 'Errors' });
  await expect(page).toHaveURL(/level=error/);
  await expect(rows).toHaveCount(14);
  await page.getByLabel('Source').selectOption({ label: 'Handlers' });
  await expect(page).toHaveURL(/source=handler/);
  await expect(rows).toHaveCount(14);
  await expect(rows.nth(13)).toContainText('entry 01');
  await expectAccessible(page);
  await page.reload(); // the filters survive a reload
  await expect(page.getByLabel('Level')).toHaveValue('error');
  await expect(page.getByLabel('Source')).toHaveValue('handler');
  await expect(rows).toHaveCount(14);

  await page.getByLabel('Source').selectOption({ label: 'Campaigns' });
  await expect(page.getByText('No errors from Campaigns in the log.')).toBeVisible();
  await page.getByRole('link', { name: 'Show all entries' }).click();
  await expect(rows).toHaveCount(21);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page.getByText('Page 2 of 2 · 25 entries')).toBeVisible();
  await expect(rows).toHaveCount(6);
  await expect(page).toHaveURL(/page=2/);

  // Clearing asks first; Cancel keeps everything.
  await page.getByRole('button', { name: 'Clear log' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Clear the whole log of @${bot.username}?`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(rows).toHaveCount(6);

  await page.getByRole('button', { name: 'Clear log' }).click();
  await confirm(page, 'Clear log');
  await expect(page.getByText(`Cleared the log of @${bot.username} (25 entries).`)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Nothing logged yet' })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/bots/${bot.botId}/logs$`));
  await expectAccessible(page);

  await visit(page, `/bots/${bot.botId}/stats`);
  await expect(page.getByRole('term').filter({ hasText: /^\s*Log entries\s*$/ }).locator('xpath=following-sibling::dd[1]')).toHaveText('0');
});
