import { Role } from '@gatewayz/db';

/**
 * Role-based access: each role's explicit permission set (GET /admin/roles/permissions/{role}).
 * The admin surface (/admin/*, /api/admin/*) requires the admin role as a whole, by a guard in
 * front of every admin route; the finer permissions below gate the account endpoints.
 */
export const PERMISSIONS = {
  'inference:use': 'Call the inference API (/v1/*)',
  'keys:read': 'List own API keys, their audit log and rate limits',
  'keys:write': 'Create, update, rotate and delete own API keys; set their rate limits',
  'keys:test_environment': 'Create gw_test_ keys (development environment)',
  'admin:users:read': 'List, search and view users',
  'admin:roles:write': 'Change user roles',
  'admin:audit:read': 'Read and verify the audit log',
  'admin:security:write': 'Manage the admin IP allowlist',
  'admin:credits:grant': 'Grant credits to users',
  'admin:plans:write': 'Assign plans',
} as const;

export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];
const BASE: Permission[] = ['inference:use', 'keys:read', 'keys:write'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  admin: ALL,
  developer: [...BASE, 'keys:test_environment'],
  support: [...BASE],
  user: [...BASE],
});

export const ROLES = Object.values(Role);

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as string[]).includes(value);
}
