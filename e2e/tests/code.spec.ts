import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { connectViaAPI } from '../fake';

const broken = `logic['greet'] = async (query, body, db, response) => {
  const name = query.name || 'you';
  return { greeting: 'Hi ' + name + };
};
`;

const fixed = `logic['greet'] = async (query, body, db, response) => {
  const name = query.name || 'you';
  console.log('greeting', name);
  return { greeting: 'Hi ' + name, got: body };
};
`;

test('write a handler, see its syntax error at its line, fix, save, test, call and restore', async ({ page, request }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}/code`);
  await expect(page.getByRole('link', { name: 'Code', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('No code saved yet')).toBeVisible();

  // CodeMirror replaces the textarea; the starter template is in it.
  const editor = page.getByRole('textbox', { name: /JavaScript source/ });
  await expect(editor).toBeVisible();
  await expect(editor).toContainText("logic['hello']");
  await expect(page.locator('#code-source')).toBeHidden();

  // Save the starter: version 1, and its handler gets a URL beside the editor.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved version 1.' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Public URL of hello' })).toHaveValue(`http://127.0.0.1:${process.env.BOTDECK_E2E_PORT ?? '18080'}/custom/${bot.botId}/hello`);
  await expectAccessible(page);

  // Replace it with a handler that does not compile; Ctrl/Cmd-S saves.
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(broken);
  await expect(page.getByRole('status').filter({ hasText: 'Unsaved changes.' })).toBeVisible();
  await page.keyboard.press('ControlOrMeta+s');
  await expect(page.getByRole('alert').filter({ hasText: /^Not saved: Line 3, column \d+/ })).toBeVisible();
  // The line is marked in the editor (CodeMirror's own decoration has no role).
  const errorLine = page.locator('.cm-error-line');
  await expect(errorLine).toHaveAttribute('data-error-line', '3');
  await expect(errorLine).toContainText("return { greeting: 'Hi ' + name + };");
  await expectAccessible(page);
  let code = await (await page.request.get(`/api/bots/${bot.botId}/code`)).json();
  expect(code.data.version, 'nothing was saved').toBe(1);

  // Fix it and save with the button.
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(fixed);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved version 2.' })).toBeVisible();
  await expect(errorLine).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'Not saved' })).toHaveCount(0);
  const urlBox = page.getByRole('textbox', { name: 'Public URL of greet' });
  await expect(urlBox).toBeVisible();
  await expect(page.getByRole('link', { name: 'Version 2' })).toBeVisible();

  // Run it from the test panel.
  await page.getByLabel('Method', { exact: true }).selectOption('PUT');
  await page.getByLabel('Handler', { exact: true }).fill('greet');
  await page.getByLabel('Query string', { exact: true }).fill('name=Ann');
  await page.getByLabel('JSON body', { exact: true }).fill('{"x": 1}');
  await page.getByRole('button', { name: 'Run test' }).click();
  const result = page.getByRole('group', { name: 'Test result' });
  await expect(result).toContainText('200 OK');
  await expect(result.getByLabel('Response body')).toContainText('"greeting": "Hi Ann"');
  await expect(result).toContainText('greeting Ann');
  await expectAccessible(page);

  // Call its public URL as an integrator would (no session).
  const url = await urlBox.inputValue();
  const res = await request.post(`${url}?name=Bob`, { data: { y: 2 } });
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ ok: true, data: { greeting: 'Hi Bob', got: { y: 2 } } });
  const missing = await request.get(url.replace(/greet$/, 'nope'));
  expect(missing.status()).toBe(400);
  expect((await missing.json()).error.code).toBe('no_handler');

  // Restore version 1 from the history: the starter runs again.
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await confirm(page, 'Restore');
  await expect(page.getByRole('status').filter({ hasText: 'Restored version 1 as version 3.' })).toBeVisible();
  await expect(editor).toContainText("logic['hello']");
  await expect(page.getByText('restored from version 1')).toBeVisible();
  await expectAccessible(page);
  const hello = await request.get(`/custom/${bot.botId}/hello?name=Cy`);
  expect(await hello.json()).toEqual({ ok: true, data: { greeting: 'Hello, Cy!' } });
  code = await (await page.request.get(`/api/bots/${bot.botId}/code`)).json();
  expect(code.data).toMatchObject({ version: 3, handlers: ['hello'] });

  // The history and one version's page.
  await page.getByRole('link', { name: 'All versions' }).click();
  await expect(page.getByRole('heading', { name: 'Versions of the code' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Version 2' }).click();
  await expect(page.getByLabel('Source of version 2')).toContainText("console.log('greeting', name);");
  await expectAccessible(page);
});

test('simulate updates against the saved update handlers', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const source = `let starts = 0;
bot.command('start', async (ctx) => {
  starts++;
  console.log('source', ctx.args);
  await ctx.user.tag('started');
  await ctx.reply('Welcome, ' + ctx.from.first_name + ' #' + starts);
});
bot.callback('buy', (ctx) => ctx.answer('Added to your cart'));
`;
  const saved = await page.request.put(`/api/bots/${bot.botId}/code`, { data: { source } });
  expect(saved.status()).toBe(200);
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, `/bots/${bot.botId}/code`);
  const handlers = page.getByRole('list', { name: 'Update handlers, in match order' });
  await expect(handlers).toContainText('command /start');
  await expect(handlers).toContainText('callback "buy"');

  // /start with a deep-link argument: the message the bot would send, its log and the tag.
  const panel = page.getByRole('region', { name: 'Simulate an update' });
  await panel.getByLabel('/start command').check();
  await panel.getByLabel('Text', { exact: true }).fill('promo');
  await panel.getByRole('button', { name: 'Simulate' }).click();
  const result = panel.getByRole('group', { name: 'Simulation result' });
  await expect(result).toContainText('command /start took the update and would send 1 Telegram call.');
  await expect(result).toContainText('Welcome, Test #1');
  await expect(result).toContainText('source promo');
  await expect(result).toContainText('tag started');
  await expectAccessible(page);

  // A button press, and an update no handler takes.
  await panel.getByLabel('Button press').check();
  await panel.getByLabel('Text', { exact: true }).fill('buy');
  await panel.getByRole('button', { name: 'Simulate' }).click();
  await expect(result).toContainText('callback "buy" took the update');
  await expect(result).toContainText('Added to your cart');
  await panel.getByLabel('Text message').check();
  await panel.getByLabel('Text', { exact: true }).fill('hello');
  await panel.getByRole('button', { name: 'Simulate' }).click();
  await expect(result).toContainText('No update handler takes this update');
  await expectAccessible(page);
});

test('settings the code reads as env, a secret never shown again', async ({ page, request }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const saved = await page.request.put(`/api/bots/${bot.botId}/code`, { data: { source: "logic['env'] = () => ({ url: env.SHOP_URL, hasKey: !!env.API_KEY });" } });
  expect(saved.status()).toBe(200);
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, `/bots/${bot.botId}/settings`);
  await expect(page.getByRole('link', { name: 'Settings', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('No settings yet.')).toBeVisible();

  const form = page.getByRole('region', { name: 'Add or change a setting' });
  await form.getByLabel('Name', { exact: true }).fill('SHOP_URL');
  await form.getByLabel('Value', { exact: true }).fill('https://shop.example');
  await form.getByRole('button', { name: 'Save setting' }).click();
  await expect(page.getByText('Setting SHOP_URL saved.')).toBeVisible();
  await form.getByLabel('Name', { exact: true }).fill('API_KEY');
  await form.getByLabel('Value', { exact: true }).fill('k-123456789');
  await form.getByLabel(/Secret/).check();
  await form.getByRole('button', { name: 'Save setting' }).click();
  await expect(page.getByText('Setting API_KEY saved.')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'https://shop.example' })).toBeVisible();
  await expect(page.getByText('secret (hidden)')).toBeVisible();
  await expect(page.getByText('k-123456789')).toHaveCount(0);
  await expectAccessible(page);

  const res = await request.get(`/custom/${bot.botId}/env`);
  expect(await res.json()).toEqual({ ok: true, data: { url: 'https://shop.example', hasKey: true } });
});

// axe runs as a script in the page, so these states are checked with
// JavaScript on in the test above; here the plain form must work.
test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the editor is a plain form that shows compile errors at their line', async ({ page }) => {
    await signUp(page);
    const bot = await connectViaAPI(page);
    await page.goto(`/bots/${bot.botId}/code`);
    const source = page.getByLabel('JavaScript', { exact: true });
    await source.fill(broken);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('alert')).toContainText(/Not saved: Line 3, column \d+/);
    await expect(source).toHaveValue(broken);
    await expect(source).toHaveAttribute('aria-invalid', 'true');
    await source.fill(fixed);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved version 1.' })).toBeVisible();
    await page.getByLabel('Handler', { exact: true }).fill('greet');
    await page.getByRole('button', { name: 'Run test' }).click();
    await expect(page.getByRole('group', { name: 'Test result' })).toContainText('200 OK');
  });
});
