import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, visit, expectAccessible, signUp, confirm } from '../fixtures';
import { connectViaAPI, fake } from '../fake';

// ownerServer is the bot owner's own server: it records what the relay
// delivers and answers 200, or 503 while down is set.
function ownerServer() {
  const got: { body: any; secret: string }[] = [];
  const state = { down: false };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (state.down) {
        res.writeHead(503).end('maintenance');
        return;
      }
      got.push({ body: JSON.parse(raw), secret: String(req.headers['x-telegram-bot-api-secret-token'] ?? '') });
      res.writeHead(200).end();
    });
  });
  return { server, got, state };
}

test('the Relay tab sends updates to the owner server, shows deliveries and rotates the secret', async ({ page }) => {
  const owner = ownerServer();
  await new Promise<void>((ok) => owner.server.listen(0, '127.0.0.1', ok));
  const port = (owner.server.address() as AddressInfo).port;
  try {
    await signUp(page);
    const bot = await connectViaAPI(page);
    await visit(page, `/bots/${bot.botId}/relay`);
    await expect(page.getByRole('link', { name: 'Relay', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByText('Off', { exact: true })).toBeVisible();
    await expect(page.getByText('No deliveries yet.')).toBeVisible();
    // The proxy and the framework one-liners, never the token.
    await expect(page.getByRole('textbox', { name: 'Bot API base URL', exact: true })).toHaveValue(/\/botapi$/);
    await expect(page.getByLabel('telego (Go) example')).toContainText('WithAPIServer');
    await expect(page.getByLabel('aiogram example')).toContainText('TelegramAPIServer.from_base');
    expect(await page.content()).not.toContain(bot.token);

    // A bad URL is refused with the input kept.
    await page.getByRole('textbox', { name: 'Webhook URL', exact: true }).fill('not a url');
    await page.getByRole('button', { name: 'Save relay' }).click();
    await expect(page.getByText(/Webhook URL .+/).last()).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Webhook URL', exact: true })).toHaveValue('not a url');
    await expect(page.getByRole('textbox', { name: 'Webhook URL', exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page);

    await page.getByRole('textbox', { name: 'Webhook URL', exact: true }).fill(`http://127.0.0.1:${port}/telegram`);
    await page.getByLabel('Relay updates to this URL').check();
    await page.getByRole('button', { name: 'Save relay' }).click();
    await expect(page.getByText('Relay saved: updates go to your server.')).toBeVisible();
    await expect(page.getByText('Delivering', { exact: true })).toBeVisible();
    const secret = await page.getByRole('textbox', { name: 'Secret token', exact: true }).inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await expect(page.getByRole('button', { name: 'Copy the secret token' })).toBeVisible();

    await fake.push(bot.token, 'start', { user: { firstName: 'Relayed' } });
    await expect.poll(() => owner.got.length, { timeout: 20_000 }).toBe(1);
    expect(owner.got[0].secret).toBe(secret);
    expect(owner.got[0].body.message.text).toBe('/start');
    await page.reload();
    const rows = page.getByRole('table', { name: /Delivery attempts/ }).getByRole('row');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(1)).toContainText('Delivered');
    await expect(rows.nth(1)).toContainText(String(owner.got[0].body.update_id));

    // The server goes down: attempts fail, the update waits, the error shows.
    owner.state.down = true;
    await fake.push(bot.token, 'start', { user: { firstName: 'Waiting' } });
    await expect.poll(async () => {
      await page.reload();
      return page.getByText('Failing, retrying', { exact: true }).count();
    }, { timeout: 20_000 }).toBe(1);
    await expect(page.getByText('the server answered HTTP 503').first()).toBeVisible();
    await page.getByLabel('Outcome').selectOption({ label: 'Failed' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/status=failed/);
    await expect(rows.nth(1)).toContainText('Failed');
    await expect(rows.nth(1)).toContainText('503');
    await expectAccessible(page);
    // Back up: the backlog drains.
    owner.state.down = false;
    await expect.poll(() => owner.got.length, { timeout: 30_000 }).toBe(2);

    // Rotating asks first, then sends the new secret.
    await page.goto(`/bots/${bot.botId}/relay`);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await confirm(page, 'Rotate secret');
    await expect(page.getByText('New secret token: Botdeck sends it from now on.')).toBeVisible();
    const rotated = await page.getByRole('textbox', { name: 'Secret token', exact: true }).inputValue();
    expect(rotated).not.toBe(secret);
    await fake.push(bot.token, 'start', { user: { firstName: 'Third' } });
    await expect.poll(() => owner.got.length, { timeout: 20_000 }).toBe(3);
    expect(owner.got[2].secret).toBe(rotated);

    // Narrow screens.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expectAccessible(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
  } finally {
    owner.server.close();
  }
});
