import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export { expect };

// Every test fails when the browser logs an error: a script error, a CSP
// violation, a failed asset, a 500. Expected answers are not errors: a 4xx
// (a form re-rendered with 422, a 401 after signing out) or a 502 (a form
// re-rendered because Telegram refused something).
export const test = base.extend({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (/Failed to load resource: the server responded with a status of (4\d\d|502)/.test(m.text())) return;
      // htmx's SSE extension logs every lost event stream (as the
      // EventSource error event, "[object Event]") before it reconnects with
      // Last-Event-ID; a busy server drops a lagging stream on purpose.
      // Tests that follow a stream check that nothing was missed; the
      // reconnect itself is not an error.
      if (m.text() === '[object Event]' || m.text().startsWith('htmx:sseError')) return;
      // hx-sync="this:replace" cancels a panel's refresh when a newer one
      // starts (a search typed on, a filter clicked during a refresh): htmx
      // logs the aborted request, which is the design, not a failure. Server
      // errors are still caught below from the responses themselves.
      if (/^htmx:(sendAbort|afterRequest), /.test(m.text())) return;
      errors.push(`${m.text()} (at ${m.location().url || page.url()})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 500 && r.status() !== 502) errors.push(`${r.status()} from ${r.request().method()} ${r.url()}`);
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await use(page);
    expect(errors, 'errors in the browser console').toEqual([]);
  },
});

// expectAccessible runs axe on the current page: no serious or critical
// violation of WCAG 2.1 A/AA or axe's best practices.
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `accessibility violations on ${page.url()}`).toEqual([]);
}

// visit opens a page and checks it with axe.
export async function visit(page: Page, path: string) {
  const res = await page.goto(path);
  expect(res?.status(), `status of ${path}`).toBeLessThan(400);
  await expectAccessible(page);
}

export const password = 'correct horse battery';

export function uniqueEmail(prefix = 'user') {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

// signUp creates an account through the sign-up form and lands on the dashboard.
export async function signUp(page: Page, email = uniqueEmail(), name = 'E2E Tester') {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  return email;
}

// signIn uses the sign-in form.
export async function signIn(page: Page, email: string, pw = password) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// confirm accepts the confirmation dialog a destructive action opens.
export async function confirm(page: Page, action: string | RegExp) {
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await dialog.getByRole('button', { name: action }).click();
}
