import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI, dropStarterReplies } from '../fake';

// Notifications: the owner turns new conversations off in the app, people
// start the bot, a broadcast to them finishes → the bell in the header
// counts it without a reload (the event stream); the notifications page
// lists it and marks it read.

test('a finished broadcast rings the bell live; the page lists it and marks it read', async ({ page }) => {
  test.setTimeout(120_000); // a broadcast, and axe on every page in two themes
  await signUp(page);

  // Settings: new conversations off (so the bell counts only the broadcast).
  await visit(page, '/account/notifications');
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  await page.getByLabel('New conversations in the app').uncheck();
  await expect(page.getByLabel('New conversations on Telegram')).not.toBeChecked();
  await page.getByRole('button', { name: 'Save notification settings' }).click();
  await expect(page.getByText('Notification settings saved.')).toBeVisible();
  await expect(page.getByLabel('New conversations in the app')).not.toBeChecked();
  await expect(page.getByLabel('Broadcasts finished in the app')).toBeChecked();
  await expectAccessible(page);

  const bot = await connectViaAPI(page, uniqueUsername('ring'), 'Ring Bell');
  await dropStarterReplies(page, bot.botId);
  for (let i = 0; i < 3; i++) {
    await fake.push(bot.token, 'start', { user: { firstName: `Listener ${i}` } });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}`)).json()).data.totalUsers, { timeout: 20_000 })
    .toBe(3);

  // An empty list first.
  await visit(page, '/notifications');
  await expect(page.getByText('No notifications yet')).toBeVisible();
  const bell = page.getByRole('link', { name: /^Notifications, / });
  await expect(bell).toHaveAccessibleName('Notifications, none unread');

  // On the bot's page (no reload from here on) a broadcast is sent and finishes.
  await visit(page, `/bots/${bot.botId}`);
  await expect(bell).toHaveAccessibleName('Notifications, none unread');
  const res = await page.request.post(`/api/bots/${bot.botId}/broadcasts`, { data: { text: 'Tonight at eight' } });
  expect(res.status(), await res.text()).toBe(201);
  const broadcastId = (await res.json()).data.id as string;
  await expect(bell).toHaveAccessibleName('Notifications, 1 unread', { timeout: 30_000 });
  await expect(bell).toContainText('1');
  expect(page.url()).toContain(`/bots/${bot.botId}`); // still the same page

  // Open the page from the bell.
  await bell.click();
  await expect(page).toHaveURL(/\/notifications$/);
  const item = page.getByRole('list', { name: 'Notifications' }).getByRole('listitem');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('Broadcast of @');
  await expect(item).toContainText('3 sent, 0 failed, 0 blocked the bot.');
  await expect(item.getByRole('link', { name: /Broadcast of @.* finished/ })).toHaveAttribute('href', `/broadcasts/${broadcastId}`);
  await expectAccessible(page);

  // Unread filter, then mark it read.
  await page.getByRole('link', { name: /^Unread/ }).click();
  await expect(page).toHaveURL(/unread=true/);
  await page.getByRole('button', { name: /Mark read: Broadcast of/ }).click();
  await expect(page.getByText('All caught up')).toBeVisible();
  await expect(bell).toHaveAccessibleName('Notifications, none unread');
  await visit(page, '/notifications');
  await expect(item).toHaveCount(1);
  await expect(page.getByRole('button', { name: /Mark read/ })).toHaveCount(0);

  // 390 px wide: the page fits, light and dark.
  await page.setViewportSize({ width: 390, height: 800 });
  for (const theme of ['light', 'dark']) {
    await page.context().addCookies([{ name: 'botdeck_theme', value: theme, url: page.url() }]);
    await visit(page, '/notifications');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await visit(page, '/account/notifications');
  }
});
