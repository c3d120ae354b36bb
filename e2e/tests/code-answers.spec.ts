import { test, expect, visit, signUp } from '../fixtures';
import { connectViaAPI, fake } from '../fake';

// The bot's code answers real Telegram updates: a command no reply takes
// goes to bot.command, its ctx.reply reaches Telegram through the outbox,
// and the conversation shows it as sent by code.
test('update handlers answer people through Telegram', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const source = `bot.command('order', async (ctx) => {
  await ctx.user.tag('buyer');
  await ctx.reply('Order noted, ' + ctx.from.first_name + ': ' + ctx.args);
});`;
  const saved = await page.request.put(`/api/bots/${bot.botId}/code`, { data: { source } });
  expect(saved.status(), await saved.text()).toBe(200);

  const user = { id: 870000000 + Math.floor(Math.random() * 1000000), firstName: 'Ann' };
  const said = async () => (await fake.messages(bot.token, user.id)).map((m: any) => m.message.text);
  await fake.push(bot.token, 'start', { user }); // the starter /start reply answers this one
  await expect.poll(said).toHaveLength(1);
  await fake.push(bot.token, 'message', { userId: user.id, text: '/order 2 coffees' });
  await expect.poll(said).toEqual([expect.stringContaining('Hello, Ann!'), 'Order noted, Ann: 2 coffees']);

  await visit(page, `/bots/${bot.botId}/users/${user.id}/messages`);
  await expect(page.getByText('Order noted, Ann: 2 coffees')).toBeVisible();
});
