import { test, expect, expectAccessible, signUp } from '../fixtures';
import { fake, connectViaAPI } from '../fake';

// The dashboard counters follow what happens in Telegram without a reload.
test('dashboard counters refresh themselves while the tab is visible', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  await page.goto('/');
  const users = page.locator('#home-counters div').filter({ hasText: 'everyone who ever started the bot' }).locator('dd').first();
  await expect(users).toHaveText('0');
  await expectAccessible(page);

  const id = 8_000_000_000 + (Date.now() % 1_000_000) * 1000;
  await fake.push(bot.token, 'start', { user: { id, firstName: 'Live', lastName: 'Person' } });
  await expect(users).toHaveText('1', { timeout: 30_000 }); // no reload: the counters poll
  await expectAccessible(page);
});
