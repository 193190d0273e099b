/**
 * Screen checks for browser tests: axe (WCAG 2.1 A/AA) with zero serious or critical violations, and a
 * full-page screenshot in the git-ignored `screenshots/` folder at the repository root.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

const SCREENSHOTS = join(__dirname, '..', '..', 'screenshots');

/** Fails on serious or critical axe violations (the rest stays visible in the failure message); then a screenshot. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page } as never)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const blocking = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect({ screen: name, blocking }).toEqual({ screen: name, blocking: [] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, timeout: 90_000 });
}
