import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { connectViaAPI, uniqueUsername } from '../fake';

// CSV import: the owner uploads a file from another platform, sees its
// first rows, maps a column to a property of another name, imports, and
// finds the people in the users list.

// BOTDECK_IMPORT_SHOTS=<dir> saves screenshots of the steps (for review).
const shots = process.env.BOTDECK_IMPORT_SHOTS;

test('upload a CSV, map a column in the preview, import, and see the users in the list', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('imp'), 'Import Desk');
  const base = 881_200_000 + Math.floor(Math.random() * 400_000);
  const csv =
    '\uFEFFTelegram ID;Nick;First Name;Tariff;Notes\n' +
    `${base};kira_k;Kira;gold;"first\nline"\n` +
    `${base + 1};lev_l;Lev;silver;\n` +
    'oops;x;X;;\n';

  // The users list leads to the import (its empty state here).
  await visit(page, `/bots/${bot.botId}/users`);
  await page.getByRole('link', { name: 'Import users from a CSV file' }).click();
  await expect(page.getByRole('heading', { name: 'Import users from CSV' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('CSV file').setInputFiles({ name: 'old-platform.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload and preview' }).click();

  // The preview: the first rows and what each column holds.
  await expect(page.getByRole('heading', { name: 'First rows' })).toBeVisible();
  await expect(page.getByText('old-platform.csv')).toBeVisible();
  const preview = page.getByRole('table');
  await expect(preview.getByRole('columnheader', { name: 'Tariff' })).toBeVisible();
  await expect(preview.getByRole('cell', { name: 'kira_k' })).toBeVisible();
  await expect(page.getByLabel('Column “Telegram ID”', { exact: true })).toHaveValue('user_id');
  await expect(page.getByLabel('Column “Nick”', { exact: true })).toHaveValue('prop');
  await expectAccessible(page);
  if (shots) await page.screenshot({ path: `${shots}/import-preview.png`, fullPage: true });

  // Map: Nick is the username, Tariff a property named plan, Notes ignored.
  await page.getByLabel('Column “Nick”', { exact: true }).selectOption('username');
  await page.getByLabel('Property name for Column “Tariff”').fill('plan');
  await page.getByLabel('Column “Notes”', { exact: true }).selectOption('ignore');
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  // Progress, then the outcome with the rejected line and its reason.
  await expect(page.getByRole('heading', { name: 'Import finished' })).toBeVisible({ timeout: 20_000 });
  const counts = page.locator('#import-status dl');
  await expect(counts.getByText('New users').locator('..')).toContainText('2');
  const rejected = page.getByRole('table', { name: /Rejected lines/ });
  await expect(rejected.getByRole('row')).toHaveCount(2);
  await expect(rejected).toContainText('"oops"');
  await expectAccessible(page);
  if (shots) await page.screenshot({ path: `${shots}/import-done.png`, fullPage: true });

  // The users list shows them; the API has the mapped property.
  await page.getByRole('link', { name: 'See the users' }).click();
  await expect(page).toHaveURL(new RegExp(`/bots/${bot.botId}/users$`));
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(3);
  await expect(page.getByRole('link', { name: 'Kira' })).toBeVisible();
  await expect(page.getByText('@lev_l')).toBeVisible();
  await expectAccessible(page);
  const kira = (await (await page.request.get(`/api/bots/${bot.botId}/users/${base}`)).json()).data;
  expect(kira.username).toBe('kira_k');
  expect(kira.props).toEqual({ plan: 'gold' });

  // Dark mode at phone width: the import pages pass axe and fit.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 800 });
  await visit(page, `/bots/${bot.botId}/users/import`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  if (shots) await page.screenshot({ path: `${shots}/import-upload-dark-390.png`, fullPage: true });
});
