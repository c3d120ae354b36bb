import { test, expect, visit, expectAccessible, signUp, confirm, uniqueEmail, password } from '../fixtures';
import { fake, connectViaAPI, uniqueUsername } from '../fake';

// Workspaces: the owner invites a second person as support; they sign up
// through the link and see the conversations and users but no code or
// broadcasts; the owner removes them and their open session loses access.

test('invite a support member, who sees conversations but no code, until removed', async ({ page, browser }) => {
  test.slow(); // two browsers, six pages and an axe pass each: near a minute on a loaded 2-core machine
  await signUp(page, uniqueEmail('owner'), 'Olga Owner');
  const bot = await connectViaAPI(page, uniqueUsername('team'), 'Team Desk');
  await fake.push(bot.token, 'start', { user: { id: 881_000_000 + Math.floor(Math.random() * 400_000), firstName: 'Kim' } });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data.length, { timeout: 20_000 })
    .toBe(1);

  // The owner makes an invite link for a support member.
  await visit(page, '/workspace/members');
  await page.getByLabel('Role', { exact: true }).selectOption('support');
  await page.getByRole('button', { name: 'Create invite link' }).click();
  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
  expect(link).toMatch(/\/invites\/[a-z2-7]+$/);
  await expect(page.getByRole('heading', { name: 'Invite link for a new Support created' })).toBeVisible();
  await expectAccessible(page);

  // The second person opens it in their own browser and signs up.
  const other = await browser.newContext();
  const agent = await other.newPage();
  await agent.goto(new URL(link).pathname);
  await expect(agent.getByText('as Support', { exact: false })).toBeVisible();
  await expectAccessible(agent);
  await agent.getByRole('link', { name: 'Create an account and join' }).click();
  await expect(agent.getByText(/joins .* as Support/)).toBeVisible();
  await agent.getByLabel('Name').fill('Sam Support');
  await agent.getByLabel('Email').fill(uniqueEmail('agent'));
  await agent.getByLabel('Password').fill(password);
  await agent.getByRole('button', { name: 'Create account' }).click();
  await expect(agent.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(agent.getByText(/You joined .* as Support/)).toBeVisible();

  // They see the inbox and the users, and no code or broadcasts.
  const inbox = await agent.goto(`/bots/${bot.botId}/conversations`);
  expect(inbox?.status()).toBe(200);
  await expect(agent.getByText('Kim').first()).toBeVisible();
  const tabs = agent.getByRole('navigation', { name: 'Bot sections' });
  await expect(tabs.getByRole('link', { name: 'Inbox' })).toBeVisible();
  await expect(tabs.getByRole('link', { name: 'Users' })).toBeVisible();
  await expect(tabs.getByRole('link', { name: 'Code' })).toHaveCount(0);
  await expect(tabs.getByRole('link', { name: 'Broadcasts' })).toHaveCount(0);
  await expectAccessible(agent);
  expect((await agent.goto(`/bots/${bot.botId}/users`))?.status()).toBe(200);
  expect((await agent.goto(`/bots/${bot.botId}/code`))?.status()).toBe(403);
  expect((await agent.goto(`/bots/${bot.botId}/broadcasts`))?.status()).toBe(403);
  const api = await agent.request.get(`/api/bots/${bot.botId}/code`);
  expect(api.status()).toBe(403);
  expect((await api.json()).error.code).toBe('forbidden_role');

  // The owner removes them.
  await visit(page, '/workspace/members');
  await expect(page.getByRole('button', { name: 'Remove Sam Support' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove Sam Support' }).click();
  await confirm(page, 'Remove member');
  await expect(page.getByText('Member removed.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove Sam Support' })).toHaveCount(0);

  // Their open session no longer reaches the workspace's bot.
  expect((await agent.goto(`/bots/${bot.botId}/conversations`))?.status()).toBe(404);
  expect((await agent.request.get(`/api/bots/${bot.botId}/users`)).status()).toBe(404);

  // The audit log shows who did what.
  await visit(page, '/workspace/audit');
  await expect(page.getByRole('cell', { name: 'POST /workspace/members/{memberId}/remove' })).toBeVisible();

  // Dark mode: the workspace pages keep their contrast.
  await page.context().addCookies([{ name: 'botdeck_theme', value: 'dark', url: page.url() }]);
  await visit(page, '/workspace/members');
  await visit(page, '/workspace/audit');
  await visit(page, '/workspaces');

  // 390 px wide: the members page fits.
  await page.setViewportSize({ width: 390, height: 800 });
  await visit(page, '/workspace/members');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await other.close();
});
