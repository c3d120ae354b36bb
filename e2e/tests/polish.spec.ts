import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { connectViaAPI, fake } from '../fake';

const shots = process.env.BOTDECK_THEME_SHOTS; // a directory: save screenshots there to look at

// The colours of the code editor (inside its shadow root) and of its line
// numbers, as the browser computes them.
async function editorColours(page: import('@playwright/test').Page) {
  return page.evaluate(() => {
    const host = document.querySelector('#code-source + div') as HTMLElement;
    const root = host.shadowRoot!;
    const ed = root.querySelector('.cm-editor') as HTMLElement;
    const gutter = root.querySelector('.cm-gutters') as HTMLElement;
    const keyword = Array.from(root.querySelectorAll('.cm-line span')).find((s) => s.textContent === 'const') as HTMLElement;
    return {
      bg: getComputedStyle(ed).backgroundColor,
      text: getComputedStyle(ed).color,
      gutter: getComputedStyle(gutter).backgroundColor,
      keyword: keyword ? getComputedStyle(keyword).color : '',
    };
  });
}

test('the code editor follows the theme: dark with the system, light when it changes, dark from the menu', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  const bot = await connectViaAPI(page);
  await visit(page, `/bots/${bot.botId}/code`);
  const editor = page.getByRole('textbox', { name: /JavaScript source/ });
  await expect(editor).toContainText('const');

  // Dark: the page's dark surface (slate-900) and light text, not CodeMirror's white.
  const dark = { bg: 'rgb(15, 23, 42)', text: 'rgb(248, 250, 252)' };
  await expect.poll(() => editorColours(page)).toMatchObject(dark);
  const darkColours = await editorColours(page);
  expect(darkColours.keyword).toBe('rgb(221, 214, 254)'); // violet-200 on the dark surface
  expect(darkColours.gutter).toBe('rgb(2, 6, 23)');
  await editor.click();
  await expectAccessible(page);
  if (shots) await page.screenshot({ path: `${shots}/editor-dark.png`, fullPage: true });

  // The system turns light while the page is open: the editor follows, no reload.
  await page.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => editorColours(page)).toMatchObject({ bg: 'rgb(255, 255, 255)', text: 'rgb(15, 23, 42)' });
  expect((await editorColours(page)).keyword).toBe('rgb(109, 40, 217)'); // violet-700 on white
  await expectAccessible(page);
  if (shots) await page.screenshot({ path: `${shots}/editor-light.png`, fullPage: true });

  // The member picks dark in the theme menu (the system stays light).
  await page.getByLabel('Theme: system').click();
  await page.getByRole('button', { name: 'Dark' }).click();
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  await expect(editor).toBeVisible();
  await expect.poll(() => editorColours(page)).toMatchObject(dark);
  await expectAccessible(page);

  // At 390 px too.
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(page);
});

// ownerServer is the bot owner's own server: it records what the relay
// delivers and answers 200, or 503 while down is set.
function ownerServer() {
  const got: any[] = [];
  const state = { down: false };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (state.down) {
        res.writeHead(503).end('maintenance');
        return;
      }
      got.push(JSON.parse(raw));
      res.writeHead(200).end();
    });
  });
  return { server, got, state };
}

test('the Relay tab shows deliveries, failures and recovery live, without a reload', async ({ page }) => {
  const owner = ownerServer();
  await new Promise<void>((ok) => owner.server.listen(0, '127.0.0.1', ok));
  const port = (owner.server.address() as AddressInfo).port;
  try {
    await signUp(page);
    const bot = await connectViaAPI(page);
    const put = await page.request.put(`/api/bots/${bot.botId}/relay`, { data: { url: `http://127.0.0.1:${port}/hook`, enabled: true } });
    expect(put.status()).toBe(200);
    await visit(page, `/bots/${bot.botId}/relay`);
    await expect(page.getByText('No deliveries yet.')).toBeVisible();
    await expect(page.getByText('Delivering', { exact: true })).toBeVisible();
    // A reload would lose this.
    await page.evaluate(() => { (window as any).stillThisPage = true; });

    await fake.push(bot.token, 'start', { user: { firstName: 'Live' } });
    const rows = page.getByRole('table', { name: /Delivery attempts/ }).getByRole('row');
    await expect(rows).toHaveCount(2, { timeout: 20_000 });
    await expect(rows.nth(1)).toContainText('Delivered');
    expect(owner.got).toHaveLength(1);
    await expect(rows.nth(1)).toContainText(String(owner.got[0].update_id));

    // The server goes down: the state and the failed attempt appear.
    owner.state.down = true;
    await fake.push(bot.token, 'start', { user: { firstName: 'Waiting' } });
    await expect(page.getByText('Failing, retrying', { exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText('the server answered HTTP 503').first()).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: /^1$/ })).toBeVisible(); // one update waiting
    await expectAccessible(page);

    // Back up: the waiting update is delivered and the tab says so.
    owner.state.down = false;
    await expect(page.getByText('Delivering', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('definition').filter({ hasText: /^0$/ })).toBeVisible();
    await expect(rows.nth(1)).toContainText('Delivered');
    await expect(rows.nth(1)).toContainText(String(owner.got[1].update_id));
    expect(await page.evaluate(() => (window as any).stillThisPage)).toBe(true);
  } finally {
    owner.server.close();
  }
});

// An 8×8 orange PNG.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP438CAFWEXHbQSAKmzX8FBxi1QAAAAAElFTkSuQmCC', 'base64');

test('the composer sends a photo with a caption: the fake Bot API gets sendPhoto, the conversation shows it', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const userId = 881_000_000 + Math.floor(Math.random() * 1_000_000);
  await fake.push(bot.token, 'message', { user: { id: userId, firstName: 'Paula' }, text: 'What does the cake look like?' });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data.length, { timeout: 20_000 })
    .toBe(1);
  await visit(page, `/bots/${bot.botId}/users/${userId}/messages`);
  await expect(page.getByText('What does the cake look like?')).toBeVisible();
  await page.evaluate(() => { (window as any).stillThisPage = true; });

  await page.getByLabel(/^Photo/).setInputFiles({ name: 'cake.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('textbox', { name: 'Message' }).fill('<b>Chocolate</b>, three layers');
  await page.getByRole('combobox', { name: 'Format' }).selectOption('HTML');
  await page.getByRole('button', { name: 'Send' }).click();

  // The fake Bot API received it as sendPhoto with the file and the caption.
  await expect
    .poll(async () => (await fake.messages(bot.token, userId)).filter((m) => (m.message?.photo ?? []).length > 0).length, { timeout: 20_000 })
    .toBe(1);
  const sent = (await fake.messages(bot.token, userId)).find((m) => (m.message?.photo ?? []).length > 0);
  expect(sent.message.caption).toBe('Chocolate, three layers');
  expect(String(sent.params.photo)).toContain('attach://');

  // The conversation shows the photo and its caption, without a reload; the composer is empty again.
  const thread = page.locator('#thread');
  await expect(thread.getByText('three layers')).toBeVisible({ timeout: 20_000 });
  const img = thread.getByRole('img', { name: 'Photo' });
  await expect(img).toBeVisible();
  // Served through the photo proxy (the fake Bot API draws its own picture for a file id).
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
  expect(await page.evaluate(() => (window as any).stillThisPage)).toBe(true);
  await expectAccessible(page);

  // A file that is not an image is refused beside the field; nothing is sent.
  await page.getByLabel(/^Photo/).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just words') });
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByText('The photo is not an image (JPEG, PNG, GIF or WebP).')).toBeVisible();
  await expect(page.getByLabel(/^Photo/)).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  expect((await fake.messages(bot.token, userId)).filter((m) => (m.message?.photo ?? []).length > 0)).toHaveLength(1);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(page);
  if (shots) await page.screenshot({ path: `${shots}/composer-photo-390.png`, fullPage: true });
});

test('the unread count in the navigation follows new messages without a reload', async ({ page }) => {
  await signUp(page);
  const bot = await connectViaAPI(page);
  const userId = 882_000_000 + Math.floor(Math.random() * 1_000_000);
  await fake.push(bot.token, 'message', { user: { id: userId, firstName: 'Quinn' }, text: 'first' });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/conversations`)).json()).data.length, { timeout: 20_000 })
    .toBe(1);
  const badge = page.locator('#nav-unread');
  const nav = page.getByRole('navigation', { name: 'Main' });

  // The inbox has the bot's event stream open: the count follows it at once.
  await visit(page, `/bots/${bot.botId}/conversations`);
  await expect(badge).toHaveAttribute('data-unread', '1');
  await expect(nav.getByRole('link', { name: /Bots 1 unread messages/ })).toBeVisible();
  await page.evaluate(() => { (window as any).stillThisPage = true; });
  await fake.push(bot.token, 'message', { userId, text: 'second' });
  await expect(badge).toHaveAttribute('data-unread', '2', { timeout: 10_000 });
  await expect(nav.getByRole('link', { name: /Bots 2 unread messages/ })).toBeVisible();
  expect(await page.evaluate(() => (window as any).stillThisPage)).toBe(true);

  // A page without a stream: the count refreshes itself while the tab is visible.
  await visit(page, '/campaigns');
  await expect(badge).toHaveAttribute('data-unread', '2');
  await page.evaluate(() => { (window as any).stillThisPage = true; });
  await fake.push(bot.token, 'message', { userId, text: 'third' });
  await expect(badge).toHaveAttribute('data-unread', '3', { timeout: 25_000 });
  expect(await page.evaluate(() => (window as any).stillThisPage)).toBe(true);

  // Reading the conversation clears it.
  await page.goto(`/bots/${bot.botId}/users/${userId}/messages`);
  await expect(page.getByText('third')).toBeVisible();
  await expect(badge).toHaveAttribute('data-unread', '0');
  await expect(nav.getByText('unread messages')).toHaveCount(0);
  await expectAccessible(page);
});
