/** Who the admin console admits: the staff IdP's role claim must hold the tenant's administrator value. */
import { admitAdministrator, rolesOf, staffActor } from '../../lambdas/domain/admin/staff';

const RULE = { roleClaim: 'roles', adminRole: 'admin' };

describe('admission to the admin console', () => {
  it('admits a staff member whose role claim holds the administrator value', () => {
    // Act
    const admitted = admitAdministrator(RULE, {
      subject: 'staff-admin',
      name: 'Alex Admin',
      claims: { roles: ['clerk', 'admin'] },
    });
    // Assess
    expect(admitted).toEqual({ subject: 'staff-admin', name: 'Alex Admin', roles: ['clerk', 'admin'] });
  });

  it.each([
    ['a clerk', { roles: ['clerk'] }],
    ['a customer (no role claim at all)', {}],
    ['a role under another claim name', { groups: ['admin'] }],
    ['a value that only contains the role', { roles: ['admins', 'not-admin'] }],
    ['a claim of the wrong type', { roles: { admin: true } }],
  ])('refuses %s', (_, claims) => {
    // Act / Assess
    expect(admitAdministrator(RULE, { subject: 'someone', claims })).toBeUndefined();
  });

  it('reads a single-valued claim, as some IdPs send one group', () => {
    // Act / Assess
    expect(rolesOf({ groups: 'g-1' }, 'groups')).toEqual(['g-1']);
    expect(
      admitAdministrator({ roleClaim: 'groups', adminRole: 'g-1' }, { subject: 's', claims: { groups: 'g-1' } }),
    ).toEqual({ subject: 's', roles: ['g-1'] });
  });

  it('names the staff member in the audit log by subject and name, the subject where the IdP gave no name', () => {
    // Act / Assess
    expect(staffActor({ subject: 'staff-admin', name: 'Alex Admin' })).toEqual({
      kind: 'staff',
      id: 'staff-admin',
      name: 'Alex Admin',
    });
    expect(staffActor({ subject: 'staff-9', name: null })).toEqual({ kind: 'staff', id: 'staff-9', name: 'staff-9' });
  });
});
