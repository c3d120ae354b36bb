import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { fake, uniqueUsername, connectViaAPI } from '../fake';

test('connect a bot: each failure is explained inline, then it works', async ({ page }) => {
  await signUp(page);
  await page.getByRole('link', { name: 'Bots' }).click();
  await expect(page.getByRole('heading', { name: 'Connect your first bot' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Connect a bot' }).click();
  await expectAccessible(page);

  const token = page.getByLabel('Token', { exact: true });
  const submit = page.getByRole('button', { name: 'Connect bot' });

  await token.fill('hello world');
  await submit.click();
  await expect(page.getByText('Token does not look like a bot token')).toBeVisible();
  await expect(token).toHaveValue('hello world');
  await expectAccessible(page);

  const revoked = await fake.createBot(uniqueUsername('revoked'));
  await fake.revoke(revoked.token);
  await token.fill(revoked.token);
  await submit.click();
  await expect(page.getByRole('alert')).toContainText('Telegram does not accept this token');

  const flaky = await fake.createBot(uniqueUsername('flaky'));
  await fake.fail(flaky.token, 'setWebhook', { code: 500, description: 'Internal Server Error: try later', times: 1 });
  await token.fill(flaky.token);
  await submit.click();
  await expect(page.getByRole('alert')).toContainText('Telegram did not accept the webhook');

  await submit.click(); // the same token again: Telegram accepts it this time
  await expect(page.getByRole('heading', { level: 1 })).toContainText(flaky.firstName);
  await expect(page.getByText(`Connected @${flaky.username}.`)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Details' })).toContainText('Webhook');
  await expect(page.getByText('Waiting updates')).toBeVisible(); // live info from getWebhookInfo
  await expectAccessible(page);
  const state = await fake.state(flaky.token);
  expect(state.webhook.url).toMatch(/\/tg\/bot_/);
  expect(await page.content()).not.toContain(flaky.token);

  // The same bot again, and a bot of another account, are refused.
  await page.goto('/bots/new');
  await token.fill(flaky.token);
  await submit.click();
  await expect(page.getByRole('alert')).toContainText('already connected to your account');
});

test("another account's bot cannot be connected", async ({ page, browser }) => {
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUp(otherPage);
  const theirs = await connectViaAPI(otherPage);
  await other.close();

  await signUp(page);
  await page.goto('/bots/new');
  await page.getByLabel('Token', { exact: true }).fill(theirs.token);
  await page.getByRole('button', { name: 'Connect bot' }).click();
  await expect(page.getByRole('alert')).toContainText('connected to another Botdeck account');
});

test('find bots: search as you type, status tabs, sort and pages, all in the URL', async ({ page }) => {
  await signUp(page);
  const tag = Date.now().toString(36);
  const names = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon'];
  const bots: Record<string, string> = {};
  for (const n of names) {
    bots[n] = (await connectViaAPI(page, `${n.toLowerCase()}_${tag}_bot`, `${n} ${tag}`)).botId;
  }
  await page.request.post(`/api/bots/${bots.Gamma}/stop`);

  await visit(page, '/bots');
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(6); // header + 5

  await page.getByLabel('Search').pressSequentially('gam', { delay: 50 });
  await expect(page).toHaveURL(/q=gam/);
  await expect(rows).toHaveCount(2);
  await expect(page.getByRole('link', { name: `Gamma ${tag}` })).toBeVisible();
  await expect(page.getByLabel('Search')).toBeFocused(); // typing was never interrupted

  await page.getByLabel('Search').fill('');
  await expect(rows).toHaveCount(6);
  const filter = page.getByRole('navigation', { name: 'Filter by status' });
  await filter.getByRole('link', { name: /Stopped/ }).click();
  await expect(page).toHaveURL(/status=stopped/);
  await expect(rows).toHaveCount(2);
  await expect(filter.getByRole('link', { name: /Stopped/ })).toHaveAttribute('aria-current', 'page');
  await filter.getByRole('link', { name: /Warning/ }).click();
  await expect(page.getByText('No bots are warning right now.')).toBeVisible();
  await expectAccessible(page);
  await filter.getByRole('link', { name: /^All/ }).click();
  await expect(filter.getByRole('link', { name: /^All/ })).toHaveAttribute('aria-current', 'page');
  await expect(rows).toHaveCount(6);

  await page.getByLabel('Sort by').selectOption({ label: 'Name' });
  await expect(page).toHaveURL(/sort=name/);
  await expect(rows.nth(1)).toContainText('Alpha');
  await expect(rows.nth(5)).toContainText('Gamma');

  // Pages: two per page, back and forward keep the filters.
  await page.goto('/bots?sort=name&limit=2');
  await expect(rows).toHaveCount(3);
  await expect(page.getByText('Page 1 of 3')).toBeVisible();
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page.getByText('Page 2 of 3')).toBeVisible();
  await expect(rows.nth(1)).toContainText('Delta');
  await expect(page).toHaveURL(/page=2/);
  await expectAccessible(page);
  await page.reload();
  await expect(rows.nth(1)).toContainText('Delta');
});

test('stop, start, disconnect with confirmation, and restore by adding the token again', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}`);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByText(`Stopped @${bot.username}`)).toBeVisible();
  await expect(page.getByRole('main').getByText('Stopped', { exact: true })).toBeVisible(); // the status badge
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByText(`Started @${bot.username}.`)).toBeVisible();
  await expect(page.getByRole('main').getByText('Active', { exact: true })).toBeVisible();

  await page.getByLabel('Description').fill('Answers support questions');
  await page.getByLabel('Tags').fill('support, Shop');
  await page.getByRole('button', { name: 'Save notes' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByLabel('Tags')).toHaveValue('support, shop');

  await page.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Disconnect @${bot.username}?`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('main').getByText('Active', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await confirm(page, 'Disconnect');
  await expect(page.getByText('This bot is disconnected')).toBeVisible();
  expect((await fake.state(bot.token)).webhook.url).toBe('');

  await page.goto('/bots');
  await expect(page.getByText(`@${bot.username}`)).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Filter by status' }).getByRole('link', { name: /Disconnected/ }).click();
  await expect(page.getByText(`@${bot.username}`)).toBeVisible();

  await page.goto('/bots/new');
  await page.getByLabel('Token', { exact: true }).fill(bot.token);
  await page.getByRole('button', { name: 'Connect bot' }).click();
  await expect(page.getByText(`Reconnected @${bot.username}`)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/bots/${bot.botId}$`));
  await expect(page.getByLabel('Description')).toHaveValue('Answers support questions');
});

test('a bot whose updates go elsewhere shows warning with the reason; registering the webhook again fixes it', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  // Another program holding the token points the webhook at itself.
  await fake.botAPI(bot.token, 'setWebhook', { url: 'https://other.example/hook' });

  // The webhook watch (every 2 s in this suite, 5 min by default) notices.
  await expect(async () => {
    await page.goto(`/bots/${bot.botId}`);
    await expect(page.getByRole('alert')).toContainText('webhook points to other.example instead of Botdeck', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('main').getByText('Warning', { exact: true })).toBeVisible();
  await expectAccessible(page);

  await visit(page, '/bots?status=warning');
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);
  await page.getByRole('link', { name: bot.firstName }).click();

  await page.getByRole('button', { name: 'Register webhook again' }).click();
  await expect(page.getByText(`Registered Botdeck's webhook for @${bot.username} again: its updates come here.`)).toBeVisible();
  await expect(page.getByRole('main').getByText('Active', { exact: true })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Register webhook again' })).toHaveCount(0);
  const state = await fake.state(bot.token);
  expect(state.webhook.url).toContain(`/tg/${bot.botId}`);
  // Later checks find delivery working: the bot stays active.
  const checks = () => fake.state(bot.token).then((s) => s.calls.getWebhookInfo ?? 0);
  const before = state.calls.getWebhookInfo ?? 0;
  await expect.poll(checks, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 3);
  await page.reload();
  await expect(page.getByRole('main').getByText('Active', { exact: true })).toBeVisible();
});
