import { test, expect, expectAccessible, signUp, confirm } from '../fixtures';
import { fake, connectViaAPI } from '../fake';

test('campaigns: pick an admin chat, share the link, watch joins, leaves and a join request', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const chat = await fake.createChat('supergroup', `Readers ${Date.now().toString(36)}`);

  // Before the bot is an administrator anywhere, the picker explains how to get there.
  await page.goto('/campaigns');
  await expect(page.getByRole('heading', { name: 'No campaigns yet' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'New campaign' }).first().click();
  await expect(page.getByText('is not an administrator of any group or channel yet')).toBeVisible();
  await expectAccessible(page);

  // Promote the bot in the chat (Telegram sends my_chat_member), then pick it.
  await fake.push(bot.token, 'bot_promoted', { chatId: chat.id });
  const chatOption = page.getByRole('radio', { name: new RegExp(chat.title) });
  await expect(async () => {
    await page.reload();
    await expect(chatOption).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await chatOption.check();
  await page.getByLabel('Campaign name').fill('Spring readers');
  await page.getByLabel('Greeting').fill('Hello {first_name}, welcome to {chat_title}!');
  await expect(page.getByText(`Hello Ann, welcome to your chat!`)).toBeVisible(); // live preview
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Create campaign' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Spring readers' })).toBeVisible();
  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
  expect(link).toMatch(/^https:\/\/t\.me\/\+/);
  await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
  await expect(page.getByText('Nobody has come through this campaign yet')).toBeVisible();
  await expectAccessible(page);

  // People join through the link (one of them started the bot before), one leaves.
  const fan = { id: 990000000 + Math.floor(Math.random() * 1e6), firstName: 'Fiona', username: `fiona${Date.now() % 1e6}` };
  await fake.push(bot.token, 'start', { user: fan });
  await fake.push(bot.token, 'join', { chatId: chat.id, user: fan, inviteLink: link });
  await fake.push(bot.token, 'join', { chatId: chat.id, user: { firstName: 'Gus' }, inviteLink: link });
  await fake.push(bot.token, 'join', { chatId: chat.id, user: { firstName: 'Walk-in' } }); // no link: an "other join"
  await fake.push(bot.token, 'leave', { chatId: chat.id, user: fan });

  const numbers = page.getByRole('region', { name: 'Numbers' });
  await expect(async () => {
    await page.reload();
    await expect(numbers.getByText('Joins', { exact: true }).locator('..')).toContainText('2', { timeout: 500 });
    await expect(numbers.getByText('Leaves', { exact: true }).locator('..')).toContainText('1', { timeout: 500 });
    await expect(numbers.getByText('Other joins', { exact: true }).locator('..')).toContainText('1', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(numbers.getByText('Members', { exact: true }).locator('..')).toContainText('1');
  await expect(page.getByRole('img', { name: /Joins/ })).toBeVisible(); // the chart
  const leads = page.getByRole('region', { name: 'Leads' });
  await expect(leads.getByRole('row')).toHaveCount(3);
  await expect(leads.getByRole('row', { name: /Fiona/ })).toContainText('Left');
  await leads.getByRole('link', { name: 'Left', exact: true }).click();
  await expect(leads.getByRole('row')).toHaveCount(2);
  await expectAccessible(page);

  // The chat is taken now: the bot's chats list it disabled, naming the campaign.
  await page.goto(`/bots/${bot.botId}/chats`);
  await expect(page.getByRole('radio', { name: new RegExp(chat.title) })).toBeDisabled();
  await expect(page.getByRole('link', { name: 'Spring readers' })).toBeVisible();
  await expectAccessible(page);

  // The greeting reached the joiner who had started the bot.
  await expect.poll(async () => (await fake.messages(bot.token, fan.id)).map((m: any) => m.text)).toContain(`Hello Fiona, welcome to ${chat.title}!`);
});

test('a join-request campaign greets, approves, and counts the join', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const chat = await fake.createChat('supergroup', `Gated ${Date.now().toString(36)}`);
  await fake.push(bot.token, 'bot_promoted', { chatId: chat.id });

  // The promotion is processed asynchronously: reload until the chat shows.
  await expect(async () => {
    await page.goto(`/campaigns/new?botId=${bot.botId}`);
    await expect(page.getByRole('radio', { name: new RegExp(chat.title) })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await page.getByRole('radio', { name: new RegExp(chat.title) }).check();
  await page.getByLabel('Campaign name').fill('Gate');
  await page.getByLabel('Greeting').fill('Thanks for asking, {first_name}!');
  await page.getByRole('radio', { name: /Join request/ }).check();
  await page.getByRole('button', { name: 'Create campaign' }).click();
  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();

  const asker = { id: 880000000 + Math.floor(Math.random() * 1e6), firstName: 'Hana' };
  await fake.push(bot.token, 'join_request', { chatId: chat.id, user: asker, inviteLink: link });
  const numbers = page.getByRole('region', { name: 'Numbers' });
  await expect(async () => {
    await page.reload();
    await expect(numbers.getByText('Request → join').locator('..')).toContainText('100%', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('region', { name: 'Leads' }).getByRole('row', { name: /Hana/ })).toContainText('Join request');
  expect((await fake.messages(bot.token, asker.id)).map((m: any) => m.text)).toContain('Thanks for asking, Hana!');

  // The chat is tracked: the picker no longer offers it until the campaign is archived.
  await page.getByRole('button', { name: 'Archive campaign' }).click();
  await confirm(page, 'Archive');
  await expect(page.getByText('Campaign archived')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Invite link' })).toHaveCount(0);
  await page.goto(`/campaigns/new?botId=${bot.botId}`);
  await expect(page.getByRole('radio', { name: new RegExp(chat.title) })).toBeVisible();
});
