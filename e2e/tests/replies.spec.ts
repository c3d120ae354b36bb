import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { connectViaAPI, fake } from '../fake';

test('create a command reply with a button, try it, reorder, and see a validation error', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const base = `/bots/${bot.botId}/replies`;

  // A new bot starts with /start and /help.
  await visit(page, base);
  await expect(page.getByRole('link', { name: 'Replies', exact: true })).toHaveAttribute('aria-current', 'page');
  const list = page.getByRole('list', { name: 'Replies in match order' });
  await expect(list.getByRole('link', { name: '/start' })).toBeVisible();
  await expect(list.getByRole('link', { name: '/help' })).toBeVisible();

  // The editor: a /price command whose button goes to /help.
  await page.getByRole('link', { name: 'New reply' }).click();
  await expect(page.getByRole('heading', { name: 'New reply' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Answer to').selectOption('command');
  await page.getByLabel('Command', { exact: true }).fill('/price');
  const text = page.getByLabel('Message text');
  await text.fill('Coffee costs 3 coins, {first_name}.');
  // The toolbar wraps the selection in a tag; the preview follows.
  await text.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(13, 20));
  await page.getByRole('button', { name: 'Bold' }).click();
  await expect(text).toHaveValue('Coffee costs <b>3 coins</b>, {first_name}.');
  const preview = page.locator('#reply-preview');
  await expect(preview).toContainText('Coffee costs 3 coins, Alex.');
  await expect(preview.locator('strong, b')).toHaveText('3 coins');
  await page.locator('#btn-0-text').fill('What else?');
  await page.locator('#btn-0-reply').selectOption({ label: '/help' });
  await page.getByLabel('Menu description').fill('Prices');
  await page.getByLabel("Show in the bot's menu").check();
  await page.getByRole('button', { name: 'Save reply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply created.' })).toBeVisible();
  await expect(list.getByRole('link', { name: '/price' })).toBeVisible();
  await expectAccessible(page);
  // Saving published the bot's menu to Telegram.
  expect((await fake.commands(bot.token)).map((c) => c.command)).toEqual(['start', 'help', 'price']);

  // Try it: the simulator answers /price with its button, and the button
  // leads to /help. Nothing reaches Telegram.
  const log = page.getByRole('log', { name: 'Conversation' });
  await page.getByLabel('Message', { exact: true }).fill('/price');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(log).toContainText('Coffee costs 3 coins, Alex.');
  await log.getByRole('button', { name: 'What else?' }).click();
  await expect(log).toContainText('What I can do');
  await expect(page.getByLabel('Message', { exact: true })).toHaveValue('');
  await expectAccessible(page);

  // Reorder: /price moves above /help (the list works without JavaScript).
  const before = await list.getByRole('listitem').evaluateAll((items) => items.map((li) => li.querySelector('a')!.textContent));
  expect(before).toEqual(['/start', '/help', '/price']);
  await page.getByRole('button', { name: 'Move /price up' }).click();
  await expect.poll(async () => list.getByRole('listitem').evaluateAll((items) => items.map((li) => li.querySelector('a')!.textContent)))
    .toEqual(['/start', '/price', '/help']);

  // A validation error re-renders the form with the input kept.
  await page.getByRole('link', { name: '/price' }).click();
  await expect(page.getByRole('heading', { name: 'Edit reply' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Message text').fill('Coffee costs <b>3 coins');
  await page.getByRole('button', { name: 'Save reply' }).click();
  await expect(page.getByRole('heading', { name: 'Edit reply' })).toBeVisible();
  await expect(page.getByLabel('Message text')).toHaveValue('Coffee costs <b>3 coins');
  await expect(page.getByLabel('Message text')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#f-text-error')).toBeVisible();
  await expectAccessible(page);
});

test('the Replies tab fits a phone screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}/replies`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await visit(page, `/bots/${bot.botId}/replies/new`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});

test('the Replies tab and the editor pass axe in dark mode', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  const bot = await connectViaAPI(page);
  const base = `/bots/${bot.botId}/replies`;
  await visit(page, base);
  await page.getByLabel('Message', { exact: true }).fill('/start');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('log', { name: 'Conversation' })).toContainText('Hello, Alex!');
  await expectAccessible(page);
  const replies = (await (await page.request.get(`/api${base}`)).json()).data;
  await visit(page, `${base}/${replies[0].id}`);
  await visit(page, `${base}/new`);
});

test('the simulator follows a question: invalid answer, then a valid one and the next reply', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const api = `/api/bots/${bot.botId}/replies`;
  const thanks = await page.request.post(api, { data: { trigger: { kind: 'button' }, text: 'Thanks, we will write to {prop.email}.' } });
  expect(thanks.status()).toBe(201);
  const ask = await page.request.post(api, { data: {
    trigger: { kind: 'keyword', keywords: ['subscribe'] }, text: 'Your email?',
    ask: { property: 'email', kind: 'email', then: (await thanks.json()).data.id, invalid: 'That is not an email.' },
  } });
  expect(ask.status()).toBe(201);

  await visit(page, `/bots/${bot.botId}/replies`);
  const log = page.getByRole('log', { name: 'Conversation' });
  const box = page.getByLabel('Message', { exact: true });
  const send = async (text: string) => {
    await box.fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };
  await send('I want to subscribe');
  await expect(log).toContainText('Your email?');
  await expect(log).toContainText('The bot now waits for an answer.');
  await send('not an email');
  await expect(log).toContainText('That is not an email.');
  await send('Ann@Example.COM');
  await expect(log).toContainText('Thanks, we will write to Ann@example.com.');
  await expect(page.locator('#try-awaiting')).toHaveValue('');
  await expectAccessible(page);
});

// A 1×1 PNG.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test('attach a photo to /start in the editor and see it in the simulator', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const base = `/bots/${bot.botId}/replies`;
  await visit(page, base);
  await page.getByRole('link', { name: '/start' }).click();
  await page.getByLabel('Photo or document (optional)').setInputFiles({ name: 'welcome.png', mimeType: 'image/png', buffer: png });
  await page.locator('#btn-1-text').fill('Our site');
  await page.locator('#btn-1-url').fill('https://example.com');
  await page.locator('#btn-1-row').fill('2');
  await page.getByRole('button', { name: 'Save reply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply saved.' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Replies in match order' }).getByText('photo', { exact: true })).toBeVisible();

  await page.getByLabel('Message', { exact: true }).fill('/start');
  await page.getByRole('button', { name: 'Send' }).click();
  const log = page.getByRole('log', { name: 'Conversation' });
  await expect(log.getByRole('img', { name: "The reply's photo" })).toBeVisible();
  await expect(log.getByRole('button', { name: 'What can you do?' })).toBeVisible();
  await expect(log.getByRole('link', { name: /Our site/ })).toHaveAttribute('href', 'https://example.com');
  await expectAccessible(page);

  // The editor keeps the photo and shows it in the preview.
  await page.getByRole('link', { name: '/start' }).click();
  await expect(page.locator('#reply-preview').getByRole('img', { name: 'The attached photo' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'welcome.png' })).toBeVisible();
});
