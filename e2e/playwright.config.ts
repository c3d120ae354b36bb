import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// One fresh database and secret key per run. Workers inherit the variable
// from the main process, so they all see the same directory.
process.env.BOTDECK_E2E_TMP ??= fs.mkdtempSync(path.join(os.tmpdir(), 'botdeck-e2e-'));
const tmp = process.env.BOTDECK_E2E_TMP;
const port = process.env.BOTDECK_E2E_PORT ?? '18080';
const fakePort = process.env.BOTDECK_E2E_FAKE_PORT ?? '18081';
export const fakeURL = `http://127.0.0.1:${fakePort}`;
process.env.BOTDECK_E2E_FAKE_URL = fakeURL;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Playwright cannot download browsers here: use Debian's Chromium.
      executablePath: process.env.BOTDECK_E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
  webServer: [
    {
      command: `../bin/fakebotapi -addr 127.0.0.1:${fakePort}`,
      url: `${fakeURL}/_fake/health`,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      timeout: 30_000,
    },
    {
      command: '../bin/botdeck serve',
      url: `http://127.0.0.1:${port}/readyz`,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: process.env.BOTDECK_E2E_LOGS ? 'pipe' : 'ignore',
      timeout: 60_000,
      env: {
        BOTDECK_ADDR: `127.0.0.1:${port}`,
        BOTDECK_DATABASE_URL: `sqlite:${path.join(tmp, 'botdeck.db')}`,
        BOTDECK_SECRET_KEY_FILE: path.join(tmp, 'botdeck.key'),
        BOTDECK_TELEGRAM_API_URL: fakeURL,
        // Webhook mode: the fake Bot API delivers updates to this process.
        BOTDECK_PUBLIC_URL: `http://127.0.0.1:${port}`,
        BOTDECK_API_RATE_LIMIT: '6000',
        // Check webhook delivery often, so the warning test need not wait.
        BOTDECK_WEBHOOK_CHECK: '2s',
        // The relay test's bot server listens on 127.0.0.1.
        BOTDECK_RELAY_ALLOW_PRIVATE: 'true',
      },
    },
  ],
});
