/** The customer's part at a sandbox bank, in a real browser: the IdP's sign-in page, then the consent page. */
import type { Page } from 'playwright-core';
import { checkScreen, signInAtIdp } from './portal';

export interface BankCustomer {
  readonly username: string;
  readonly password: string;
}

/**
 * Signs in at the bank's IdP (unless the IdP still knows the customer from an earlier sign-in) and waits
 * for the consent page; screens named `<screens>-sign-in` / `-consent`.
 */
export async function signInAtBank(page: Page, customer: BankCustomer, screens?: string): Promise<void> {
  const username = page.getByRole('textbox', { name: 'Username' });
  const allow = page.getByRole('button', { name: 'Allow' });
  await username.or(allow).first().waitFor();
  if (await allow.isVisible()) return;
  if (screens) await checkScreen(page, `${screens}-sign-in`);
  await signInAtIdp(page, customer);
  await allow.waitFor();
  if (screens) await checkScreen(page, `${screens}-consent`);
}

/**
 * On the consent page: ticks the privacy policy if the bank asks for it, keeps exactly `groups` (consent-page
 * labels) of the offered service groups, shares every account, and presses Allow.
 */
export async function allowAtBank(page: Page, groups?: readonly string[]): Promise<void> {
  const privacy = page.getByRole('checkbox', { name: /privacy policy/i });
  if ((await privacy.count()) > 0) await privacy.first().check();
  if (groups) {
    for (const label of ['Demand deposits', 'Time deposits', 'Credit cards']) {
      const box = page.getByRole('checkbox', { name: label, exact: true });
      if ((await box.count()) > 0) await box.setChecked(groups.includes(label));
    }
  }
  const accounts = page.getByRole('checkbox', { name: /••••/ });
  for (let i = 0; i < (await accounts.count()); i++) await accounts.nth(i).check();
  await page.getByRole('button', { name: 'Allow' }).click();
}
