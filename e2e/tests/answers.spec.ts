import { test, expect, visit, signUp } from '../fixtures';
import { connectViaAPI, fake } from '../fake';

// A bot answers people with its replies, through the fake Bot API: /start
// with its button, a keyword, a button press (answered, then the reply),
// and an ask whose answer becomes a user property.
test('the bot answers /start, a keyword, a button and an ask', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const api = `/api/bots/${bot.botId}/replies`;
  const list = (await (await page.request.get(api)).json()).data as any[];
  const help = list.find((r) => r.trigger.command === 'help');
  expect(help, 'a new bot starts with /help').toBeTruthy();

  const create = async (body: object) => {
    const res = await page.request.post(api, { data: body });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()).data;
  };
  await create({ trigger: { kind: 'keyword', keywords: ['price'] }, text: 'Coffee is 3 coins, {first_name}.',
    buttons: [[{ text: 'More', reply: help.id }]] });
  const thanks = await create({ trigger: { kind: 'button' }, text: 'Thanks! We will write to {prop.email}.' });
  await create({ trigger: { kind: 'command', command: 'signup' }, text: 'Your email?',
    ask: { property: 'email', kind: 'email', then: thanks.id, invalid: 'That is not an email.' } });

  const user = { id: 880000000 + Math.floor(Math.random() * 1000000), firstName: 'Ann' };
  const said = async () => (await fake.messages(bot.token, user.id)).map((m: any) => m.message.text ?? m.message.caption);

  await fake.push(bot.token, 'start', { user });
  await expect.poll(said).toEqual([expect.stringContaining('Hello, Ann!')]);
  const start = (await fake.messages(bot.token, user.id))[0];
  expect(start.message.reply_markup.inline_keyboard[0][0].text).toBe('What can you do?');

  await fake.push(bot.token, 'message', { userId: user.id, text: 'What is the PRICE today?' });
  await expect.poll(said).toHaveLength(2);
  expect((await said())[1]).toBe('Coffee is 3 coins, Ann.');

  // The button under the price: the press is answered, then /help is sent.
  const priceMsg = (await fake.messages(bot.token, user.id))[1];
  const data = priceMsg.message.reply_markup.inline_keyboard[0][0].callback_data;
  await fake.push(bot.token, 'callback_query', { userId: user.id, data, messageId: priceMsg.messageId });
  await expect.poll(said).toHaveLength(3);
  expect((await said())[2]).toContain('What I can do');
  await expect.poll(async () => (await fake.state(bot.token)).calls.answerCallbackQuery ?? 0).toBe(1);

  // The ask: an invalid answer, then a valid one, then the "then" reply.
  await fake.push(bot.token, 'message', { userId: user.id, text: '/signup' });
  await expect.poll(said).toHaveLength(4);
  await fake.push(bot.token, 'message', { userId: user.id, text: 'not sure' });
  await expect.poll(said).toHaveLength(5);
  await fake.push(bot.token, 'message', { userId: user.id, text: 'ann@Example.com' });
  await expect.poll(said).toHaveLength(6);
  expect((await said()).slice(3)).toEqual(['Your email?', 'That is not an email.', 'Thanks! We will write to ann@example.com.']);

  // The replies page shows them (and passes axe).
  await visit(page, `/bots/${bot.botId}/replies`);
  await expect(page.getByRole('list', { name: 'Replies in match order' }).getByRole('link', { name: '/signup' })).toBeVisible();
});
