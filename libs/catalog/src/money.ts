/**
 * Money is integer micro-dollars (1e-6 USD) as bigint, everywhere. Conversions from the decimal
 * strings of data files are exact (no floating point in between).
 */
export const MICROS_PER_DOLLAR = 1_000_000n;

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

export function dollarsToMicros(text: string): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new Error(`not a dollar amount with at most 6 decimals: "${text}"`);
  const whole = BigInt(m[1]!);
  const frac = BigInt((m[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_DOLLAR + frac;
}

/** Exact decimal text, trailing zeros trimmed: 2_500_000n → "2.5". */
export function microsToDollars(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_DOLLAR;
  const frac = (abs % MICROS_PER_DOLLAR).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** For JSON display only (e.g. usage.cost); never feed it back into arithmetic. */
export function microsToDollarNumber(micros: bigint): number {
  return Number(microsToDollars(micros));
}
