// Headless Chromium for the page tests: Debian's (`apt-get install -y chromium`; CI installs it),
// driven by playwright-core. Without it the page tests are reported as skipped, never passed.
import { after, before } from 'node:test';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const skipWithoutChromium: string | false = existsSync(executablePath) ? false : `no Chromium at ${executablePath}`;

/** A browser for the test file, closed after it; pages are phone-sized (390×844), or desktop-sized (1280×900). */
export function useBrowser(baseUrl?: string): { phonePage(options?: { clipboard?: boolean }): Promise<Page>; desktopPage(): Promise<Page> } {
  let browser: Browser | undefined;
  before(async () => {
    if (!skipWithoutChromium) browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });
  return {
    async phonePage(options = {}) {
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, baseURL: baseUrl });
      if (options.clipboard && baseUrl) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      return context.newPage();
    },
    async desktopPage() {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, baseURL: baseUrl });
      return context.newPage();
    },
  };
}
