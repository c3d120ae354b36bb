// Helpers for the fake Bot API's control API (see
// internal/telegram/telegramtest/doc.go). The Playwright config starts the
// fake and points Botdeck at it.
import { expect, request as pwRequest, type APIRequestContext, type Page } from '@playwright/test';

const fakeURL = process.env.BOTDECK_E2E_FAKE_URL ?? 'http://127.0.0.1:18081';

let ctx: APIRequestContext | undefined;
async function api() {
  ctx ??= await pwRequest.newContext({ baseURL: fakeURL });
  return ctx;
}

async function call<T = any>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
  const c = await api();
  const res = method === 'GET' ? await c.get(path) : await c.post(path, { data: body ?? {} });
  const json = await res.json();
  expect(json.ok, `fake ${path}: ${JSON.stringify(json)}`).toBe(true);
  return json.result as T;
}

export interface FakeBot { id: number; token: string; username: string; firstName: string }

let counter = 0;
// uniqueUsername makes bot usernames unique across tests and runs.
export function uniqueUsername(prefix: string) {
  counter++;
  return `${prefix}_${Date.now().toString(36)}${counter}_bot`;
}

export const fake = {
  createBot: (username: string, firstName?: string) =>
    call<FakeBot>('POST', '/_fake/bots', { username, firstName: firstName ?? username.replace(/_bot$/, '').replace(/_/g, ' ') }),
  revoke: (botToken: string) => call('POST', '/_fake/bots/revoke', { botToken }),
  state: (botToken: string) => call<any>('GET', `/_fake/bots/state?botToken=${encodeURIComponent(botToken)}`),
  fail: (botToken: string, method: string, spec: { code?: number; description?: string; times?: number; network?: boolean }) =>
    call('POST', '/_fake/failures', { botToken, method, ...spec }),
  push: (botToken: string, kind: string, params: object = {}) => call<any>('POST', '/_fake/updates', { botToken, kind, ...params }),
  createChat: (type: 'group' | 'supergroup' | 'channel', title: string) => call<any>('POST', '/_fake/chats', { type, title }),
  // botAPI calls a Bot API method as another program holding the token
  // would (e.g. a script that points the webhook elsewhere).
  botAPI: async (botToken: string, method: string, params: object = {}) => {
    const res = await (await api()).post(`/bot${botToken}/${method}`, { data: params });
    const json = await res.json();
    expect(json.ok, `fake ${method}: ${JSON.stringify(json)}`).toBe(true);
    return json.result;
  },
  commands: (botToken: string) =>
    call<{ command: string; description: string }[]>('GET', `/_fake/bots/commands?botToken=${encodeURIComponent(botToken)}`),
  messages: (botToken: string, chatId?: number) =>
    call<any[]>('GET', `/_fake/messages?botToken=${encodeURIComponent(botToken)}${chatId ? `&chatId=${chatId}` : ''}`),
};

// connectViaAPI connects a new fake bot to the signed-in account of page
// (the page's cookies authenticate the API call) and returns both ids.
export async function connectViaAPI(page: Page, username = uniqueUsername('e2e'), firstName?: string) {
  const bot = await fake.createBot(username, firstName);
  const res = await page.request.post('/api/bots', { data: { token: bot.token } });
  expect(res.status(), await res.text()).toBe(201);
  const data = (await res.json()).data;
  return { ...bot, botId: data.id as string };
}

// dropStarterReplies deletes the replies a new bot starts with (a /start
// greeting, /help …), for tests that count only what a broadcast or a
// campaign sends.
export async function dropStarterReplies(page: Page, botId: string) {
  const res = await page.request.get(`/api/bots/${botId}/replies?limit=100`);
  expect(res.ok(), await res.text()).toBe(true);
  for (const r of (await res.json()).data as { id: string }[]) {
    const del = await page.request.delete(`/api/bots/${botId}/replies/${r.id}`);
    expect(del.ok(), await del.text()).toBe(true);
  }
}
