import { z } from 'zod';
import { freeText } from '../http/validate';
import { normalizeCidr, normalizeDomain } from './key-restrictions';
import { KEY_SCOPES } from './key-use';

/** Request bodies of /user/api-keys (strict: an unknown field is a 400, never silently ignored). */
const cidrList = z
  .array(z.string().max(64))
  .max(100)
  .transform((list, ctx) =>
    list.map((entry, i) => {
      const cidr = normalizeCidr(entry);
      if (!cidr) ctx.addIssue({ code: 'custom', path: [i], message: 'must be an IPv4 or IPv6 address or CIDR range' });
      return cidr ?? '';
    }),
  )
  .transform((list) => [...new Set(list)]);

const domainList = z
  .array(z.string().max(253))
  .max(50)
  .transform((list, ctx) =>
    list.map((entry, i) => {
      const domain = normalizeDomain(entry);
      if (!domain) ctx.addIssue({ code: 'custom', path: [i], message: 'must be a hostname such as app.example.com' });
      return domain ?? '';
    }),
  )
  .transform((list) => [...new Set(list)]);

const future = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine((d) => d.getTime() > Date.now(), 'must be in the future');

export const keyName = freeText(100).min(1, 'must not be empty');

export const createKeySchema = z
  .object({
    name: keyName.default('API key'),
    environment: z.enum(['live', 'test']).default('live'),
    expires_at: future.nullable().optional(),
    scopes: z.array(z.enum(KEY_SCOPES)).max(KEY_SCOPES.length).default([]),
    ip_allowlist: cidrList.default([]),
    allowed_domains: domainList.default([]),
  })
  .strict();

export const updateKeySchema = z
  .object({
    name: keyName.optional(),
    is_active: z.boolean().optional(),
    expires_at: future.nullable().optional(),
    scopes: z.array(z.enum(KEY_SCOPES)).max(KEY_SCOPES.length).optional(),
    ip_allowlist: cidrList.optional(),
    allowed_domains: domainList.optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

const limitValue = z.number().int().min(1).nullable().optional();

export const keyLimitsSchema = z
  .object({ rpm: limitValue, tpm: limitValue, tokens_per_day: limitValue, tokens_per_month: limitValue })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'send at least one of rpm, tpm, tokens_per_day, tokens_per_month');

export const auditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().regex(/^\d{1,19}$/, 'must be a cursor from next_cursor').optional(),
    key_id: z.uuid().optional(),
  })
  .strict();
