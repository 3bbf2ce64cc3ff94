import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

/**
 * Per-key restrictions: an IP allowlist (IPv4, IPv6, CIDR; parsed and matched by ipaddr.js) and
 * a domain list checked against the Origin or Referer header. A request without either header
 * passes the domain check (server-side use); a browser request from another site does not.
 */
type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Normalizes an allowlist entry to CIDR ("203.0.113.7" → "203.0.113.7/32"); undefined when invalid. */
export function normalizeCidr(entry: string): string | undefined {
  const text = entry.trim();
  try {
    if (text.includes('/')) {
      if (!ipaddr.isValidCIDR(text)) return undefined;
      const [addr, bits] = ipaddr.parseCIDR(text);
      const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
      return `${network.toString()}/${bits}`;
    }
    if (!ipaddr.isValid(text)) return undefined;
    const addr = ipaddr.process(text);
    return `${addr.toString()}/${addr.kind() === 'ipv4' ? 32 : 128}`;
  } catch {
    return undefined;
  }
}

/** The client address in canonical form (IPv4-mapped IPv6 becomes IPv4); undefined when unparsable. */
export function canonicalIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return undefined;
  }
}

const compiled = new LRUCache<string, Range[]>({ max: 2_000 });

function ranges(allowlist: readonly string[]): Range[] {
  const cacheKey = allowlist.join(',');
  let found = compiled.get(cacheKey);
  if (!found) {
    found = allowlist.flatMap((cidr): Range[] => {
      try {
        return [ipaddr.parseCIDR(cidr)];
      } catch {
        return [];
      }
    });
    compiled.set(cacheKey, found);
  }
  return found;
}

/** True when the list is empty or the address falls in one of its ranges. */
export function ipAllowed(allowlist: readonly string[], ip: string | undefined): boolean {
  if (allowlist.length === 0) return true;
  if (!ip) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return ranges(allowlist).some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** The first range of `allowlist` containing `ip`, if any. */
export function matchingRange(allowlist: readonly string[], ip: string): string | undefined {
  return allowlist.find((cidr) => ipAllowed([cidr], ip));
}

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A bare hostname, lowercased ("App.Example.com" → "app.example.com"); undefined when invalid. */
export function normalizeDomain(entry: string): string | undefined {
  const text = entry.trim().toLowerCase().replace(/\.$/, '');
  return HOSTNAME.test(text) ? text : undefined;
}

/**
 * Checks the site a browser request comes from (Origin, else Referer) against the key's
 * domains; exact hostname match. No header at all: allowed.
 */
export function domainAllowed(domains: readonly string[], headers: { origin?: string; referer?: string }): boolean {
  if (domains.length === 0) return true;
  const source = headers.origin ?? headers.referer;
  if (source === undefined || source === '') return true;
  let host: string;
  try {
    host = new URL(source).hostname.toLowerCase();
  } catch {
    return false;
  }
  return domains.includes(host);
}
