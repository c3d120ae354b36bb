import { test, expect, visit, signUp } from '../fixtures';
import { connectViaAPI } from '../fake';

// Times show in the member's zone, reported once by the browser; UTC stays
// on hover. The browser here lives in Tokyo (UTC+9).
test.use({ timezoneId: 'Asia/Tokyo' });

test('times are shown in the time zone the browser reported, UTC on hover', async ({ page }) => {
  await signUp(page);
  await expect.poll(async () => (await (await page.request.get('/api/me')).json()).data.timeZone).toBe('Asia/Tokyo');
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}`);
  const connected = page.locator('dt', { hasText: 'Connected' }).locator('xpath=following-sibling::dd[1]').locator('time');
  await expect(connected).toContainText('GMT+9');
  await expect(connected).toHaveAttribute('title', / UTC$/);

  // The account page shows the zone and lets the member change it.
  await visit(page, '/account');
  await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Time zone is not a known time zone')).toBeVisible();
  await expect(page.getByLabel('Time zone')).toHaveValue('Mars/Olympus');
  await page.getByLabel('Time zone').fill('UTC');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await visit(page, `/bots/${bot.botId}`);
  await expect(connected).toContainText(/UTC$/);
});
