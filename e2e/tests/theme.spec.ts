import { test, expect, visit, signUp } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI } from '../fake';

// Dark mode follows the system unless the member picks a theme; every page
// is checked with axe in dark mode, at desktop and phone widths.
const shots = process.env.BOTDECK_THEME_SHOTS; // a directory: save screenshots there to look at

test('every page passes axe in dark mode, on a desktop and a 390 px phone', async ({ page }) => {
  test.setTimeout(300_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('dark'), 'Night Owl');
  for (let i = 0; i < 3; i++) await fake.push(bot.token, 'start', { user: { firstName: `Reader ${i}` } });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}`)).json()).data.totalUsers, { timeout: 20_000 })
    .toBe(3);
  const pages = ['/', '/bots', `/bots/${bot.botId}`, `/bots/${bot.botId}/users`, `/bots/${bot.botId}/stats`,
    `/bots/${bot.botId}/logs`, `/bots/${bot.botId}/chats`, `/bots/${bot.botId}/broadcasts`, `/bots/${bot.botId}/code`, `/bots/${bot.botId}/relay`,
    `/bots/${bot.botId}/conversations`, `/bots/${bot.botId}/replies`, `/bots/${bot.botId}/settings`, `/bots/${bot.botId}/segments`,
    `/bots/${bot.botId}/segments/new`, `/bots/${bot.botId}/users/import`,
    '/campaigns', '/campaigns/new', '/bots/new', '/account', '/account/api-keys', '/account/notifications', '/notifications',
    '/workspaces', '/workspace/members', '/workspace/audit'];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of pages) {
      await visit(page, path);
      // The page really is dark: the body's background is the dark surface.
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(bg, `background of ${path}`).toBe('rgb(2, 6, 23)');
      if (shots) await page.screenshot({ path: `${shots}/dark-${width}${path.replace(/\W+/g, '-')}.png`, fullPage: true });
    }
  }
});

test('the theme menu overrides the system setting and is remembered', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  await visit(page, '/bots');
  const menu = page.getByText('Theme', { exact: true }).locator('..'); // the fieldset
  await page.getByLabel('Theme: system').click();
  await page.getByRole('button', { name: 'Light' }).click();
  await expect(page.locator('html')).toHaveClass(/\blight\b/);
  await expect(page).toHaveURL(/\/bots$/);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(248, 250, 252)');

  // Remembered across pages; "Dark" with a light system works the same way.
  await page.emulateMedia({ colorScheme: 'light' });
  await visit(page, '/campaigns');
  await page.getByLabel('Theme: light').click();
  await expect(menu.getByRole('button', { name: 'Light' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Dark' }).click();
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(2, 6, 23)');

  // Back to the system's choice.
  await page.getByLabel('Theme: dark').click();
  await page.getByRole('button', { name: 'Same as system' }).click();
  await expect(page.locator('html')).not.toHaveClass(/\b(dark|light)\b/);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(248, 250, 252)');
});
