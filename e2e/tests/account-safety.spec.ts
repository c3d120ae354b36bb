import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { test, expect, visit, expectAccessible, signUp, signIn, password } from '../fixtures';

// resetLink asks the CLI for a reset link, as an operator would when this
// Botdeck sends no mail (the e2e server has no SMTP).
function resetLink(email: string, baseURL: string): string {
  const tmp = process.env.BOTDECK_E2E_TMP!;
  const out = execFileSync(path.resolve(__dirname, '../../bin/botdeck'), [
    'user', 'reset-password', '--email', email, '--base-url', baseURL,
    `--database-url=sqlite:${path.join(tmp, 'botdeck.db')}`, `--secret-key-file=${path.join(tmp, 'botdeck.key')}`,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim();
}

// totpCode computes the RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32
// secret at time ms, as an authenticator app does.
function totpCode(secret: string, ms = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return n.toString().padStart(6, '0');
}

test('forgot password: the operator\'s reset link sets a new password, then sign in', async ({ page, baseURL }) => {
  const email = await signUp(page);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();

  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await expect(page.getByText('botdeck user reset-password')).toBeVisible();
  await expectAccessible(page);

  const link = resetLink(email, baseURL!);
  expect(link).toMatch(/\/password-reset\/[a-z2-7]{52}$/);
  await visit(page, link);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('Password must be at least 8 characters')).toBeVisible();
  await page.getByLabel('New password').fill('a reset password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Botdeck' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Your password is changed' })).toBeVisible();

  await signIn(page, email, password);
  await expect(page.getByRole('alert')).toContainText('Email or password is wrong');
  await signIn(page, email, 'a reset password');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // The link worked once.
  await page.goto(link);
  await expect(page.getByText('This password-reset link is not valid')).toBeVisible();
  await expectAccessible(page);
});

test('turn on two-factor authentication and sign in with a code', async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  await expectAccessible(page);
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();

  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  await page.getByLabel('Authentication code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByRole('heading', { name: 'Two-factor authentication is on' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  const recovery = (await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').first().textContent())!.trim();
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(page, email, password);
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  await expectAccessible(page);
  // The code of the next step: the current one was used to turn it on.
  await page.getByLabel('Authentication code').fill(totpCode(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // A recovery code works once, in place of a code.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(page, email, password);
  await page.getByLabel('Authentication code').fill(recovery);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByText('9 unused recovery codes left')).toBeVisible();
  await expectAccessible(page);
});

test('the account-safety pages pass axe in dark mode on a 390 px phone', async ({ page, baseURL }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  const email = await signUp(page);
  await visit(page, '/account');
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  await expectAccessible(page);
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByLabel('Authentication code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toBeVisible();
  await expectAccessible(page);
  await visit(page, '/account');
  await expect(page.getByRole('button', { name: 'Turn off two-factor authentication' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(page, email, password);
  await expect(page.getByLabel('Authentication code')).toBeVisible();
  await expectAccessible(page);
  await visit(page, '/forgot-password');
  await visit(page, resetLink(email, baseURL!));
  for (const p of ['/forgot-password', '/login']) {
    await visit(page, p);
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(bg, `background of ${p}`).toBe('rgb(2, 6, 23)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `no sideways scroll on ${p}`).toBeLessThanOrEqual(390);
  }
});
