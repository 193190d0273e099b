/**
 * Portal tests as a person uses the portals (playwright-core + Debian chromium): signing in at the sandbox's
 * identity provider, an accessibility scan of every screen, and a full-page screenshot of every screen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** Screenshots land here for reviewers (git-ignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'screenshots');

/** WCAG 2.1 level A and AA, the bar every portal screen meets. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** At the sandbox IdP's sign-in form (textboxes "Username" and "Password", button "Sign in"). */
export async function signInAtIdp(page: Page, customer: { username: string; password: string }): Promise<void> {
  await page.getByRole('textbox', { name: 'Username' }).fill(customer.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Opens a portal page, follows its "Sign in" link to the IdP and signs in; resolves once the browser is back
 * on the portal. `portalUrl` is e.g. the manifest's `urls.account_page`.
 */
export async function signInToPortal(
  page: Page,
  portalUrl: string,
  customer: { username: string; password: string },
): Promise<void> {
  await page.goto(portalUrl);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await signInAtIdp(page, customer);
  await page.waitForURL((url) => url.href.startsWith(portalUrl));
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface AxeFinding {
  readonly id: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly targets: readonly string[];
}

/**
 * Runs axe on the page as it is now. Returns the serious and critical violations (a test expects none) and
 * prints the minor and moderate ones, so they stay visible without failing the test.
 */
export async function axeViolations(page: Page, screen: string): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const findings = results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
  const minor = findings.filter((f) => f.impact !== 'serious' && f.impact !== 'critical');
  if (minor.length > 0) console.log(`axe (${screen}): ${minor.length} minor/moderate finding(s)`, minor);
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

/** `expect(await axeViolations(...)).toEqual([])` in one call, with the screen named in the failure. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const serious = await axeViolations(page, screen);
  if (serious.length > 0) {
    throw new Error(
      `axe found serious/critical WCAG 2.1 AA violations on "${screen}":\n${JSON.stringify(serious, null, 2)}`,
    );
  }
}

/** A full-page screenshot at `screenshots/<name>.png`, e.g. `account-connected-apps`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every state of a screen is checked the same way: accessible, then photographed. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await screenshot(page, name);
}
