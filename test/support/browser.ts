/**
 * Headless Debian chromium driven by playwright-core, for tests that use the product as a customer would.
 * `npx playwright install` cannot download browsers here, so the system chromium is used (apt-get install chromium).
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export interface TestBrowser {
  readonly browser: Browser;
  /** A page in a fresh context (own cookies and storage) that accepts the sandbox's locally issued certificates. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Debian chromium, headless, with the flags this closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      await Promise.all(contexts.map((context) => context.close()));
      await browser.close();
    },
  };
}
