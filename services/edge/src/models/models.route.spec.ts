import { perToken } from './models.route';

describe('perToken', () => {
  it('converts micro-dollars per million tokens to exact dollars per token', () => {
    expect(perToken(2_500_000n)).toBe('0.0000025');
    expect(perToken(10_000_000n)).toBe('0.00001');
    expect(perToken(75_000n)).toBe('0.000000075');
    expect(perToken(600_000_000n)).toBe('0.0006');
    expect(perToken(0n)).toBe('0');
    expect(perToken(1n)).toBe('0.000000000001');
  });
});
