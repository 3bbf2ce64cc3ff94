import { MICROS_PER_DOLLAR, dollarsToMicros, microsToDollarNumber, microsToDollars } from '@gatewayz/catalog';

/**
 * Money is integer micro-dollars (bigint). The display unit is the credit: 1 credit = $0.01 =
 * 10,000 µ$, so a credit amount has at most 4 decimals and converts exactly.
 */
export const MICROS_PER_CREDIT = 10_000n;

export { MICROS_PER_DOLLAR, dollarsToMicros, microsToDollarNumber, microsToDollars };

/** Exact decimal credits: 49_912_345n → "4991.2345". */
export function microsToCredits(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_CREDIT;
  const frac = (abs % MICROS_PER_CREDIT).toString().padStart(4, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Micro-dollars → Stripe's integer cents, exact (refuses fractions of a cent). */
export function microsToCents(micros: bigint): number {
  if (micros % 10_000n !== 0n) throw new Error(`${micros} µ$ is not a whole number of cents`);
  return Number(micros / 10_000n);
}

export function centsToMicros(cents: number): bigint {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error(`not a cent amount: ${cents}`);
  return BigInt(cents) * 10_000n;
}
