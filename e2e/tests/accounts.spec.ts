import { test, expect, visit, expectAccessible, signUp, signIn, confirm, uniqueEmail, password } from '../fixtures';

test('sign up, sign out, and sign in again (a wrong password shows an error)', async ({ page }) => {
  await visit(page, '/signup');
  const email = await signUp(page);
  await expect(page.getByRole('status').filter({ hasText: 'Welcome to Botdeck' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Botdeck' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'You are signed out.' })).toBeVisible();
  await expectAccessible(page);

  await signIn(page, email, 'not my password');
  await expect(page.getByRole('alert')).toContainText('Email or password is wrong');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expectAccessible(page);

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

test('sign-up errors are shown next to their fields and the input is kept', async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Typed Name');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Email must be a valid email address')).toBeVisible();
  await expect(page.getByText('Password must be at least 8 characters')).toHaveCount(1);
  await expect(page.getByText('Some fields need attention')).toHaveCount(0);
  await expect(page.getByLabel('Name')).toHaveValue('Typed Name');
  await expect(page.getByLabel('Email')).toHaveValue('not-an-email');
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
});

test('a page behind sign-in brings you back after signing in', async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto('/account/api-keys');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByText('Sign in to continue to /account/api-keys.')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account\/api-keys$/);
});

test('create an API key, use it from a script, then revoke it', async ({ page, request }) => {
  const email = await signUp(page);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByText('No API keys yet')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByText('Key name is required')).toBeVisible();

  await page.getByLabel('Key name').fill('E2E script');
  await page.getByRole('button', { name: 'Create key' }).click();
  const keyField = page.getByLabel('New API key');
  await expect(keyField).toBeVisible();
  const key = await keyField.inputValue();
  expect(key).toMatch(/^bdk_/);
  await expect(page.getByRole('cell', { name: 'E2E script', exact: true })).toBeVisible();
  await expectAccessible(page);

  // An integrator calls the API with the key: Bearer and X-API-Key both work.
  const me = await request.get('/api/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).data.email).toBe(email);
  expect(me.headers()['x-ratelimit-limit']).toBeTruthy();
  const viaHeader = await request.get('/api/api-keys', { headers: { 'X-API-Key': key } });
  expect(viaHeader.status()).toBe(200);
  expect(JSON.stringify(await viaHeader.json())).not.toContain(key);

  // The key is shown once: reloading the page does not show it again.
  await page.reload();
  await expect(page.getByLabel('New API key')).toHaveCount(0);

  await page.getByRole('button', { name: 'Revoke E2E script' }).click();
  await confirm(page, 'Revoke key');
  await expect(page.getByText('API key revoked.')).toBeVisible();
  await expect(page.getByText('No API keys yet')).toBeVisible();

  const after = await request.get('/api/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe('unauthorized');
});

test('sign out everywhere ends the sessions of every browser', async ({ page, browser }) => {
  const email = await signUp(page);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email);
  await expect(otherPage.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  await page.goto('/account');
  await expect(page.getByText('also signed in on 1 other')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await confirm(page, 'Sign out everywhere');
  await expect(page.getByRole('heading', { name: 'Sign in to Botdeck' })).toBeVisible();

  await otherPage.goto('/account');
  await expect(otherPage).toHaveURL(/\/login/);
  await other.close();
});

test('profile and password can be changed', async ({ page }) => {
  const email = await signUp(page, uniqueEmail('profile'), 'Old Name');
  await page.goto('/account');
  await page.getByLabel('Name').fill('New Name');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveValue('New Name');

  await page.getByLabel('Current password').fill('wrong password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Current password is wrong', { exact: true })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Current password').fill(password);
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(page, email, 'a brand new password');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});
