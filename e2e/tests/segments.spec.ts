import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { fake, connectViaAPI, uniqueUsername, dropStarterReplies } from '../fake';

// Segments and extended broadcasts: tag users, save the filtered list as a
// segment (the form's count follows the form), then compose a photo
// broadcast with a link button to that segment, scheduled a few seconds
// ahead: it starts by itself and reaches exactly the segment.

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test('save a segment, schedule a photo broadcast with a button to it, see it reach exactly the segment', async ({ page }) => {
  test.setTimeout(120_000); // it waits for the scheduled start
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('seg'), 'Segment Shop');
  await dropStarterReplies(page, bot.botId); // only the broadcast speaks
  const base = 881_000_000 + Math.floor(Math.random() * 400_000);
  const people = ['Ada', 'Ben', 'Cy', 'Dee'].map((firstName, i) => ({ id: base + i, firstName }));
  for (const user of people) {
    await fake.push(bot.token, 'start', { user });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}/users`)).json()).data.length, { timeout: 20_000 })
    .toBe(people.length);

  // Tag Ada and Cy (through the API, as an integration would).
  const vips = [people[0], people[2]];
  for (const u of vips) {
    const res = await page.request.patch(`/api/bots/${bot.botId}/users/${u.id}`, { data: { tags: ['vip'] } });
    expect(res.ok(), await res.text()).toBe(true);
  }

  // The segments page starts empty.
  await visit(page, `/bots/${bot.botId}/segments`);
  await expect(page.getByRole('region', { name: 'No segments yet' })).toBeVisible();
  await expectAccessible(page);

  // Filter the users list by the tag and save it as a segment.
  await visit(page, `/bots/${bot.botId}/users?tag=vip`);
  await page.getByRole('link', { name: 'Save as segment' }).click();
  await expect(page.getByRole('heading', { name: 'New segment' })).toBeVisible();
  await expect(page.getByLabel('Have all these tags')).toHaveValue('vip');
  const count = page.locator('#segment-count');
  await expect(count).toHaveText('2 users match');
  // The count follows the form as it changes.
  await page.getByLabel('Have none of these tags').fill('vip');
  await expect(count).toHaveText('0 users match');
  await page.getByLabel('Have none of these tags').fill('');
  await expect(count).toHaveText('2 users match');
  await page.getByLabel('Name').fill('VIP buyers');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save segment' }).click();
  await expect(page).toHaveURL(new RegExp(`/bots/${bot.botId}/segments$`));
  const row = page.getByRole('row', { name: /VIP buyers/ });
  await expect(row).toContainText('Tagged vip');
  await expect(row).toContainText('2 users');
  await expectAccessible(page);

  // Compose: the segment, a photo, a link button, scheduled a few seconds ahead (UTC).
  await visit(page, `/bots/${bot.botId}/broadcasts`);
  await page.getByLabel('Message').fill('Members-only sale today');
  await page.getByLabel('Only users of segment').selectOption({ label: 'VIP buyers' });
  await expect(page.locator('#audience-summary')).toHaveText(/Sends to 2 users/);
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'sale.png', mimeType: 'image/png', buffer: png });
  await page.getByLabel('Button 1 text').fill('Open the shop');
  await page.getByLabel('Button 1 link').fill('https://example.com/shop');
  await page.getByRole('radio', { name: 'Schedule' }).check();
  const at = new Date(Date.now() + 12_000);
  await page.getByLabel('Date').fill(at.toISOString().slice(0, 10));
  await page.getByLabel('Time', { exact: true }).fill(at.toISOString().slice(11, 19));
  await page.getByLabel('Time zone').fill('UTC');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Review broadcast' }).click();
  const review = page.getByRole('region', { name: 'Send this broadcast?' });
  await expect(review).toContainText('It starts at');
  await expect(review).toContainText('2 users');
  await review.getByRole('button', { name: /^Schedule for/ }).click();

  // The broadcast's page: scheduled, then it starts by itself and finishes.
  await expect(page).toHaveURL(/\/broadcasts\/bc_/);
  await expect(page.getByRole('heading', { name: /Broadcast of/ })).toBeVisible();
  await expect(page.getByText('Scheduled for').first()).toBeVisible();
  await expectAccessible(page);
  const id = page.url().split('/broadcasts/')[1];
  await expect
    .poll(async () => (await (await page.request.get(`/api/broadcasts/${id}`)).json()).data.status, { timeout: 40_000 })
    .toBe('done');
  const data = (await (await page.request.get(`/api/broadcasts/${id}`)).json()).data;
  expect(data.total).toBe(2);
  expect(data.sent).toBe(2);
  expect(data.photo).toMatch(/^upl_/);
  expect(data.buttons).toEqual([[{ text: 'Open the shop', url: 'https://example.com/shop' }]]);
  expect(new Date(data.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(data.scheduledAt).getTime());

  // The fake Bot API saw exactly the segment get the photo, caption and button.
  const sent = await fake.messages(bot.token);
  expect(sent.map((m: any) => m.chatId).sort()).toEqual(vips.map((u) => u.id).sort());
  for (const m of sent) {
    expect(m.text).toBe('Members-only sale today');
    expect(m.message.photo?.length ?? 0).toBeGreaterThan(0);
    expect(JSON.stringify(m.replyMarkup)).toContain('https://example.com/shop');
  }
  await page.reload();
  await expect(page.getByText('Done: 2 messages sent.')).toBeAttached();
});

test('segment pages and the composer pass axe in dark mode, on a desktop and a 390 px phone', async ({ page }) => {
  test.setTimeout(120_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  await signUp(page);
  const bot = await connectViaAPI(page, uniqueUsername('segdark'), 'Night Segments');
  await fake.push(bot.token, 'start', { user: { firstName: 'Reader' } });
  await expect
    .poll(async () => (await (await page.request.get(`/api/bots/${bot.botId}`)).json()).data.totalUsers, { timeout: 20_000 })
    .toBe(1);
  const seg = await page.request.post(`/api/bots/${bot.botId}/segments`, { data: { name: 'Everyone', filter: {} } });
  expect(seg.status(), await seg.text()).toBe(201);
  const segID = (await seg.json()).data.id;
  const pages = [`/bots/${bot.botId}/segments`, `/bots/${bot.botId}/segments/new`, `/segments/${segID}`, `/bots/${bot.botId}/broadcasts`,
    `/bots/${bot.botId}/users?segment=${segID}`];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of pages) {
      await visit(page, path);
      expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), path).toBe('rgb(2, 6, 23)');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow of ${path} at ${width}px`).toBeLessThanOrEqual(0);
      const shots = process.env.BOTDECK_THEME_SHOTS; // a directory: save screenshots there to look at
      if (shots) await page.screenshot({ path: `${shots}/seg-dark-${width}${path.replace(/\W+/g, '-')}.png`, fullPage: true });
    }
  }
});
