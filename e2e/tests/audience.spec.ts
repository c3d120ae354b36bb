import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, connectViaAPI, uniqueUsername } from '../fake';

// Audience: the owner sets a property and a tag on the user page (htmx
// swaps the block in place), then filters the users list by that tag.

test('set a property and a tag on the user page, then filter the users by the tag', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('aud'), 'Audience Desk');
  const base = 880_500_000 + Math.floor(Math.random() * 400_000);
  const ivy = { id: base, firstName: 'Ivy' };
  const jon = { id: base + 1, firstName: 'Jon' };
  for (const user of [ivy, jon]) {
    await fake.push(bot.token, 'start', { user });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/users`)).json()).data.length, { timeout: 20_000 })
    .toBe(2);

  await visit(page, `/bots/${bot.botId}/users/${ivy.id}`);
  await expect(page.getByText('No properties yet.')).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('plan');
  await page.getByLabel('Type').selectOption('number');
  await page.getByLabel('Value').fill('42');
  await page.getByRole('button', { name: 'Set property' }).click();
  const block = page.locator('#user-attributes');
  await expect(block.getByText('plan')).toBeVisible();
  await expect(block.getByText('42', { exact: true })).toBeVisible();

  await page.getByLabel('New tag').fill('VIP');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await expect(page.getByRole('button', { name: 'Remove tag vip' })).toBeVisible();
  await expectAccessible(page);

  // The API sees them typed.
  const data = (await (await page.request.get(`/api/bots/${bot.botId}/users/${ivy.id}`)).json()).data;
  expect(data.props).toEqual({ plan: 42 });
  expect(data.tags).toEqual(['vip']);

  // Filter the users list by the tag: only Ivy, and the filter stays in the URL.
  await visit(page, `/bots/${bot.botId}/users`);
  await page.getByLabel('Tag', { exact: true }).fill('vip');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]tag=vip/);
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Ivy');
  await expectAccessible(page);

  // 390 px wide: the filter form fits.
  await page.setViewportSize({ width: 390, height: 800 });
  await visit(page, `/bots/${bot.botId}/users?tag=vip`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
