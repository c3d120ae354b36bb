import { test, expect, visit, expectAccessible, signUp } from '../fixtures';
import { connectViaAPI } from '../fake';

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
