import { PERMISSIONS, ROLES, ROLE_PERMISSIONS, can } from './permissions';

describe('RBAC permission sets', () => {
  it('has exactly the four roles', () => {
    expect([...ROLES].sort()).toEqual(['admin', 'developer', 'support', 'user']);
  });

  it('gives admin every permission', () => {
    expect([...ROLE_PERMISSIONS.admin].sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('gives a plain user the minimum: inference and their own keys, nothing admin', () => {
    expect([...ROLE_PERMISSIONS.user].sort()).toEqual(['inference:use', 'keys:read', 'keys:write']);
    for (const role of ROLES) if (role !== 'admin') expect(ROLE_PERMISSIONS[role].some((p) => p.startsWith('admin:'))).toBe(false);
    expect(can('developer', 'keys:test_environment')).toBe(true);
    expect(can('user', 'keys:test_environment')).toBe(false);
  });
});
