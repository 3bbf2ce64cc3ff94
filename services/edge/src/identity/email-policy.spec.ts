import { GatewayError } from '@gatewayz/errors';
import { assertAcceptableEmail, isDisposableDomain } from './email-policy';

describe('email policy', () => {
  it('refuses disposable domains and their subdomains', () => {
    expect(isDisposableDomain('mailinator.com')).toBe(true);
    expect(isDisposableDomain('MAILINATOR.COM')).toBe(true);
    expect(isDisposableDomain('inbox.mailinator.com')).toBe(true);
    expect(isDisposableDomain('example.com')).toBe(false);
    expect(isDisposableDomain('gmail.com')).toBe(false);
  });

  it('answers a 400 naming the email parameter', () => {
    let caught: unknown;
    try {
      assertAcceptableEmail('someone@mailinator.com');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 400, param: 'email', code: 'disposable_email' });
    expect(() => assertAcceptableEmail('someone@example.com')).not.toThrow();
  });
});
