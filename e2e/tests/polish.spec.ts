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
