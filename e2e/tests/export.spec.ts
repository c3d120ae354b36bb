import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { connectViaAPI } from '../fake';

test('export a bot\'s setup from its settings and import it into a second bot', async ({ page }) => {
  await signUp(page);
  const first = await connectViaAPI(page);
  const second = await connectViaAPI(page);
  let res = await page.request.put(`/api/bots/${first.botId}/settings/API_URL`, { data: { value: 'https://api.example' } });
  expect(res.ok(), await res.text()).toBe(true);
  res = await page.request.post(`/api/bots/${first.botId}/replies`, { data: { trigger: { kind: 'command', command: 'price' }, text: 'Ten euros' } });
  expect(res.status(), await res.text()).toBe(201);

  // Download the first bot's setup.
  await visit(page, `/bots/${first.botId}/settings`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export setup' }).click(),
  ]);
  const file = await download.path();
  expect(download.suggestedFilename()).toMatch(/^botdeck-.*\.json$/);

  // Import it into the second: a dry run lists what would change, then the confirm button applies it.
  await visit(page, `/bots/${second.botId}/settings`);
  await page.getByLabel('An exported file').setInputFiles(file);
  await page.getByRole('button', { name: 'Show what would change' }).click();
  const summary = page.getByRole('status').filter({ hasText: 'What the import would change' });
  await expect(summary).toContainText('setting API_URL');
  await expect(summary).toContainText('reply /price');
  await expectAccessible(page);
  res = await page.request.get(`/api/bots/${second.botId}/settings`);
  expect((await res.json()).data, 'the dry run changed nothing').toEqual([]);

  await page.getByRole('button', { name: 'Import into this bot' }).click();
  await expect(page.getByRole('cell', { name: 'API_URL', exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'https://api.example', exact: true })).toBeVisible();
  res = await page.request.get(`/api/bots/${second.botId}/replies`);
  expect(((await res.json()).data as { text: string }[]).map((r) => r.text)).toContain('Ten euros');

  // Copying from another bot, on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, `/bots/${first.botId}/settings`);
  await page.getByLabel('Or copy from another of your bots').selectOption(second.botId);
  await page.getByRole('button', { name: 'Show what would change' }).click();
  await expect(page.getByRole('button', { name: 'Import into this bot' })).toBeVisible();
  await expectAccessible(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow, 'no sideways scrolling at 390 px').toBe(false);
});
