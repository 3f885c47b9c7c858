// Driving the merchant dashboard in headless Chromium: signing in with the code from the outbox,
// and screenshots a person can look at (under test-output/, not committed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const SCREENSHOT_DIR = process.env.FLOE_SCREENSHOT_DIR ?? join('test-output', 'screenshots');

/** Writes a full-page screenshot as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The newest sign-in code sent to an address, read from the development outbox page. */
export async function codeFromOutbox(page: Page, email: string): Promise<string> {
  const outbox = await page.context().newPage();
  try {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      await outbox.goto('/outbox');
      const text = await outbox.locator('article.email', { hasText: email }).filter({ hasText: 'Floe sign-in code' }).first().textContent().catch(() => null);
      const code = text?.match(/dashboard is ([A-Z0-9]{6})/)?.[1];
      if (code) return code;
      await outbox.waitForTimeout(100);
    }
    throw new Error(`no sign-in code for ${email} in the outbox`);
  } finally {
    await outbox.close();
  }
}

/** Signs in at /dashboard as `email` (a user that exists) and waits for the dashboard's shell. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/dashboard');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByLabel('Code').waitFor();
  await page.getByLabel('Code').fill(await codeFromOutbox(page, email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header.top').waitFor();
}

/** Opens a dashboard path and waits until its screen is drawn. */
export async function openScreen(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.locator('#app[data-state=ready]').waitFor();
}
