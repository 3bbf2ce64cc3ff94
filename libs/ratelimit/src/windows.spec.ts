import { MINUTE, UTC_DAY, UTC_MONTH, windowAt } from './windows';

describe('windowAt', () => {
  it('aligns fixed windows to the epoch', () => {
    const w = windowAt(MINUTE, Date.UTC(2026, 10, 26, 12, 34, 56, 789));
    expect(w.startMs).toBe(Date.UTC(2026, 10, 26, 12, 34));
    expect(w.endMs).toBe(Date.UTC(2026, 10, 26, 12, 35));
    expect(windowAt(MINUTE, w.endMs - 1).id).toBe(w.id);
    expect(windowAt(MINUTE, w.endMs).id).not.toBe(w.id);
  });

  it('follows UTC days and months, including month ends and leap years', () => {
    const day = windowAt(UTC_DAY, Date.UTC(2028, 1, 29, 23, 59, 59));
    expect(day.id).toBe('d:2028-02-29');
    expect(day.endMs).toBe(Date.UTC(2028, 2, 1));
    const month = windowAt(UTC_MONTH, Date.UTC(2026, 11, 31, 23, 0));
    expect(month.id).toBe('m:2026-12');
    expect(month.startMs).toBe(Date.UTC(2026, 11, 1));
    expect(month.endMs).toBe(Date.UTC(2027, 0, 1));
  });
});
