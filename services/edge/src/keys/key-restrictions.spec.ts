import { canonicalIp, domainAllowed, ipAllowed, matchingRange, normalizeCidr, normalizeDomain } from './key-restrictions';

describe('IP allowlists', () => {
  it('normalizes single addresses and CIDRs, IPv4 and IPv6, and refuses junk', () => {
    expect(normalizeCidr('203.0.113.7')).toBe('203.0.113.7/32');
    expect(normalizeCidr('10.0.0.9/24')).toBe('10.0.0.0/24');
    expect(normalizeCidr('2001:db8::1')).toBe('2001:db8::1/128');
    expect(normalizeCidr('2001:DB8:0:0::/32')).toBe('2001:db8::/32');
    expect(normalizeCidr('::ffff:192.0.2.1')).toBe('192.0.2.1/32');
    for (const bad of ['', '300.1.1.1', '10.0.0.0/33', 'example.com', '1.2.3.4/abc', '../../etc/passwd', "'; DROP TABLE users; --"]) {
      expect(normalizeCidr(bad)).toBeUndefined();
    }
  });

  it('matches addresses against ranges of the same family', () => {
    const list = ['10.0.0.0/24', '203.0.113.7/32', '2001:db8::/32'];
    expect(ipAllowed(list, '10.0.0.200')).toBe(true);
    expect(ipAllowed(list, '10.0.1.1')).toBe(false);
    expect(ipAllowed(list, '203.0.113.7')).toBe(true);
    expect(ipAllowed(list, '::ffff:203.0.113.7')).toBe(true);
    expect(ipAllowed(list, '2001:db8:1::5')).toBe(true);
    expect(ipAllowed(list, '2001:db9::1')).toBe(false);
    expect(ipAllowed(list, undefined)).toBe(false);
    expect(ipAllowed([], '198.51.100.1')).toBe(true);
    expect(matchingRange(list, '10.0.0.3')).toBe('10.0.0.0/24');
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('domain restrictions', () => {
  const domains = ['app.example.com', 'example.org', 'localhost'];

  it('accepts configured sites by Origin or Referer, refuses others', () => {
    expect(domainAllowed(domains, { origin: 'https://app.example.com' })).toBe(true);
    expect(domainAllowed(domains, { referer: 'https://example.org/some/page?q=1' })).toBe(true);
    expect(domainAllowed(domains, { origin: 'http://localhost:3000' })).toBe(true);
    expect(domainAllowed(domains, { referer: 'https://unauthorized.com/' })).toBe(false);
    expect(domainAllowed(domains, { origin: 'https://evil.app.example.com' })).toBe(false);
    expect(domainAllowed(domains, { origin: 'null' })).toBe(false);
  });

  it('lets requests without either header through (server-side use)', () => {
    expect(domainAllowed(domains, {})).toBe(true);
    expect(domainAllowed([], { origin: 'https://anything.test' })).toBe(true);
  });

  it('normalizes hostnames and refuses URLs and junk', () => {
    expect(normalizeDomain('App.Example.COM.')).toBe('app.example.com');
    for (const bad of ['https://example.com', 'exa mple.com', '*.example.com', '<script>', '']) expect(normalizeDomain(bad)).toBeUndefined();
  });
});
