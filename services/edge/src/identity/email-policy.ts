import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import { errors } from '@gatewayz/errors';

/**
 * Sign-up email policy: disposable (temporary) mailbox domains are refused, including their
 * subdomains. The list comes from disposable-email-domains-js, loaded once.
 */
let blocklist: Set<string> | undefined;

export function isDisposableDomain(domain: string): boolean {
  blocklist ??= disposableEmailBlocklistSet();
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) if (blocklist.has(labels.slice(i).join('.'))) return true;
  return false;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Throws a 400 naming `email` for a disposable address. */
export function assertAcceptableEmail(email: string): void {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (isDisposableDomain(domain)) {
    throw errors.invalidRequest('Disposable email addresses cannot be used to sign up. Use a permanent address.', 'email', 'disposable_email');
  }
}
