import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import { errors } from '@gatewayz/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AuditEventType } from '../audit/audit-events';
import type { KeyRecord } from '../auth/api-key.repository';
import { clientIp } from '../http/validate';
import { domainAllowed, ipAllowed } from './key-restrictions';

/** What a key may be used for, when it was created with scopes (no scopes: everything its role allows). */
export const KEY_SCOPES = ['inference', 'account', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/**
 * Checks that a key may be used for this request: its scopes, its IP allowlist and its
 * domains. A refusal is a 403 and a security entry in the audit log (at most one per key and
 * kind of refusal per minute, so a stolen key hammering from elsewhere cannot flood it).
 */
export class KeyUseChecker {
  private readonly recent = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });

  constructor(private readonly audit: AuditLog) {}

  check(record: KeyRecord, req: Request, scope: KeyScope): void {
    if (record.scopes.length > 0 && !record.scopes.includes(scope)) {
      throw errors.forbidden(`This API key's scopes (${record.scopes.join(', ')}) do not include '${scope}'.`, 'insufficient_scope');
    }
    const ip = record.ipAllowlist.length > 0 ? clientIp(req) : undefined;
    if (record.ipAllowlist.length > 0 && !ipAllowed(record.ipAllowlist, ip)) {
      this.violation(record, req, 'security.ip_not_allowed', { ip: ip ?? 'unknown' });
      throw errors.forbidden('This API key cannot be used from this IP address (it has an IP allowlist).', 'ip_not_allowed');
    }
    if (record.allowedDomains.length === 0) return;
    const origin = header(req, 'origin');
    const referer = header(req, 'referer');
    if (!domainAllowed(record.allowedDomains, { origin, referer })) {
      this.violation(record, req, 'security.domain_not_allowed', { origin: (origin ?? referer ?? '').slice(0, 200) });
      throw errors.forbidden('This API key cannot be used from this website (it is restricted to other domains).', 'domain_not_allowed');
    }
  }

  private violation(record: KeyRecord, req: Request, eventType: AuditEventType, details: Record<string, string>): void {
    const throttle = `${record.keyId}:${eventType}`;
    if (this.recent.has(throttle)) return;
    this.recent.set(throttle, true);
    this.audit.recordSoon({
      eventType,
      actorUserId: record.userId,
      actorKeyId: record.keyId,
      subjectUserId: record.userId,
      targetType: 'api_key',
      targetId: record.keyId,
      ip: clientIp(req) ?? null,
      requestId: req.id,
      details: { ...details, path: req.path.slice(0, 200) },
    });
  }
}

function header(req: Request, name: 'origin' | 'referer'): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
