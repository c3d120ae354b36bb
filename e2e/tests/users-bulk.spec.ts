import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { fake, connectViaAPI, uniqueUsername } from '../fake';

// The users table in bulk: tick rows and tag them at once (with a
// confirmation naming how many change), tag every matching user, filter by
// a tag chip, show a property as a column, and see a new user appear while
// the page is open.

test('tag users in bulk, filter by the tag, pick a property column, see a new user live', async ({ page }) => {
  test.setTimeout(150_000); // one long story with five axe checks
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('bulk'), 'Bulk Desk');
  const base = 881_200_000 + Math.floor(Math.random() * 400_000);
  const ivy = { id: base, firstName: 'Ivy' };
  const jon = { id: base + 1, firstName: 'Jon' };
  const kim = { id: base + 2, firstName: 'Kim' };
  for (const user of [ivy, jon, kim]) {
    await fake.push(bot.token, 'start', { user });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/users`)).json()).data.length, { timeout: 20_000 })
    .toBe(3);
  const patched = await page.request.patch(`/api/bots/${bot.botId}/users/${ivy.id}`, { data: { props: { plan: 'gold' } } });
  expect(patched.ok(), await patched.text()).toBe(true);

  await visit(page, `/bots/${bot.botId}/users`);
  const table = page.getByRole('table');
  const bulk = page.getByRole('form', { name: 'Tag users in bulk' });
  await expect(bulk.getByText('No users selected')).toBeVisible();

  // Tick two rows and add a tag to them.
  await table.getByRole('checkbox', { name: 'Select Ivy' }).check();
  await table.getByRole('checkbox', { name: 'Select Jon' }).check();
  await expect(bulk.getByText('Selected: 2 users')).toBeVisible();
  await bulk.getByLabel('Tag name').fill('beta');
  await bulk.getByRole('button', { name: 'Update tags' }).click();
  await expect(page.getByRole('dialog')).toContainText('Add the tag “beta” to 2 users?');
  await confirm(page, 'Add tag');
  await expect(page.getByRole('status').filter({ hasText: 'Added the tag “beta” to 2 users.' })).toBeVisible();
  // The list came back without a reload, nothing ticked, with the tag as a chip.
  await expect(table.getByRole('checkbox', { name: 'Select Ivy' })).not.toBeChecked();
  const chips = page.getByRole('navigation', { name: 'Tags' });
  await expect(chips.getByRole('link', { name: /beta\s+2/ })).toBeVisible();

  // Filter by the tag: only Ivy and Jon.
  await chips.getByRole('link', { name: /beta\s+2/ }).click();
  await expect(page).toHaveURL(/[?&]tag=beta/);
  const rows = table.getByRole('row');
  await expect(rows).toHaveCount(3);
  await expect(table).not.toContainText('Kim');
  await expect(chips.getByRole('link', { name: /beta/ })).toHaveAttribute('aria-current', 'true');
  await expectAccessible(page);

  // Select the whole page, then "all matching": the confirmation says so.
  await table.getByRole('checkbox', { name: 'Select all users on this page' }).check();
  await expect(bulk.getByText('Selected: 2 users')).toBeVisible();
  await bulk.getByRole('checkbox', { name: 'All 2 matching users' }).check();
  await bulk.getByLabel('Remove').check();
  await bulk.getByLabel('Tag name').fill('beta');
  await bulk.getByRole('button', { name: 'Update tags' }).click();
  await expect(page.getByRole('dialog')).toContainText('Remove the tag “beta” from all 2 matching users?');
  await confirm(page, 'Remove tag');
  await expect(page.getByRole('status').filter({ hasText: 'Removed the tag “beta” from 2 users.' })).toBeVisible();
  await expect(page.getByText('No users to show.')).toBeVisible();

  // A property as a column: in the table, and in the CSV link.
  await visit(page, `/bots/${bot.botId}/users`);
  await page.getByText('Columns', { exact: true }).click();
  await page.getByRole('checkbox', { name: 'plan', exact: true }).check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]cols=plan/);
  await expect(table.getByRole('columnheader', { name: 'plan' })).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'Ivy' })).toContainText('gold');
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', /cols=plan/);
  await expectAccessible(page);
  // Apply also posted the choice: the page opened without cols= shows it.
  await expect(async () => {
    await visit(page, `/bots/${bot.botId}/users`);
    await expect(table.getByRole('columnheader', { name: 'plan' })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  // A new user appears while the page is open, without a reload.
  await visit(page, `/bots/${bot.botId}/users?cols=plan`);
  await expect(table.getByRole('row')).toHaveCount(4);
  await fake.push(bot.token, 'start', { user: { id: base + 3, firstName: 'Lea' } });
  await expect(table.getByRole('row').filter({ hasText: 'Lea' })).toBeVisible({ timeout: 20_000 });
  await expect(table.getByRole('row')).toHaveCount(5);
  await expect(table.getByRole('columnheader', { name: 'plan' })).toBeVisible(); // the columns stay

  // 390 px: the bulk bar and the table fit.
  await page.setViewportSize({ width: 390, height: 800 });
  await visit(page, `/bots/${bot.botId}/users?cols=plan`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expectAccessible(page);
});
