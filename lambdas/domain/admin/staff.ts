/**
 * Who may use the admin console: bank staff authenticated by the bank's staff IdP whose role claim (tenant
 * config: claim name and the administrator value) holds the administrator value. Anybody else the IdP
 * authenticates, a clerk or a bank customer, is refused at sign-in and never gets a session.
 */
import type { Actor } from '../../ports/admin';

export interface StaffAdmissionRule {
  /** The ID-token claim carrying roles or groups, e.g. `roles`, `groups`. */
  readonly roleClaim: string;
  /** The value of that claim that makes an administrator. */
  readonly adminRole: string;
}

/** The role values of a claim: an array of strings, or one string (some IdPs send a single group so). */
export function rolesOf(claims: Readonly<Record<string, unknown>>, roleClaim: string): string[] {
  const value = claims[roleClaim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  return [];
}

export interface StaffMember {
  readonly subject: string;
  readonly name?: string;
  readonly roles: readonly string[];
}

/** The administrator the staff IdP authenticated, or undefined: not an administrator of this bank. */
export function admitAdministrator(
  rule: StaffAdmissionRule,
  person: { readonly subject: string; readonly name?: string; readonly claims: Readonly<Record<string, unknown>> },
): StaffMember | undefined {
  const roles = rolesOf(person.claims, rule.roleClaim);
  if (!roles.includes(rule.adminRole)) return undefined;
  return { subject: person.subject, ...(person.name ? { name: person.name } : {}), roles };
}

/** The audit log's record of a staff member: the IdP subject, and the name shown to people reading the log. */
export function staffActor(member: { readonly subject: string; readonly name?: string | null }): Actor {
  return { kind: 'staff', id: member.subject, name: member.name || member.subject };
}
