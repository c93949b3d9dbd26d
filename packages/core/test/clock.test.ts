import { elapsedMs, formatGoDuration, systemClock } from '@traffic/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('formatGoDuration (Go time.Duration.String())', () => {
  // Expected strings are what Go prints for time.Duration(n).String().
  const cases: [bigint | number, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1000n, '1µs'],
    [1500n, '1.5µs'],
    [394_823n, '394.823µs'],
    [999_999n, '999.999µs'],
    [1_000_000n, '1ms'],
    [1_000_001n, '1.000001ms'],
    [12_500_000n, '12.5ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [59_999_999_999n, '59.999999999s'],
    [60_000_000_000n, '1m0s'],
    [62_500_000_000n, '1m2.5s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_000n, '1h2m3s'],
    [90_061_000_000_001n, '25h1m1.000000001s'],
    [-1_500_000_000n, '-1.5s'],
    [-1n, '-1ns'],
    [-9_223_372_036_854_775_808n, '-2562047h47m16.854775808s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
    [1234.4, '1.234µs'],
    [2_000_000, '2ms'],
  ];
  for (const [ns, text] of cases) {
    it(`${ns} ns → ${text}`, () => expect(formatGoDuration(ns)).toBe(text));
  }

  it('uses the micro sign U+00B5 like Go', () => {
    expect(formatGoDuration(1000n).codePointAt(1)).toBe(0xb5);
  });

  it('number and bigint inputs print the same text around the 2^53 boundary and everywhere below', () => {
    const limit = 2n ** 60n;
    fc.assert(
      fc.property(fc.bigInt({ min: -limit, max: limit }), (ns) => {
        const text = formatGoDuration(ns);
        // The text parses back to the same count of nanoseconds (Go's unit grammar).
        expect(parseGoDuration(text)).toBe(ns);
        // Go trims trailing zeros of the fraction and never prints a bare "." .
        expect(text).not.toMatch(/\.\d*0(?:ns|µs|ms|s)$|\.(?:ns|µs|ms|s)$/);
        if (ns >= -(2n ** 53n) && ns <= 2n ** 53n) expect(formatGoDuration(Number(ns))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('systemClock and elapsedMs', () => {
  it('is monotonic with sub-millisecond precision, and wallMs is epoch time', async () => {
    const startNs = systemClock.nowNs();
    const startMs = systemClock.nowMs();
    // Busy-wait on the wall clock: a timer may fire early against hrtime (libuv caches loop time).
    const until = Date.now() + 6;
    while (Date.now() < until) {
      // spin
    }
    await new Promise((resolve) => setImmediate(resolve));
    const endNs = systemClock.nowNs();
    expect(endNs).toBeGreaterThan(startNs);
    expect(systemClock.nowMs()).toBeGreaterThan(startMs);
    const elapsed = elapsedMs(startNs, endNs);
    expect(elapsed).toBeGreaterThanOrEqual(4);
    expect(elapsed).toBeLessThan(5000);
    expect(Math.abs(systemClock.wallMs() - Date.now())).toBeLessThan(1000);
    expect(elapsedMs(0n, 1_500n)).toBe(0.0015);
  });

  it('timers fire and can be cleared', async () => {
    const fired: string[] = [];
    const kept = systemClock.setTimeout(() => fired.push('kept'), 1);
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 1);
    systemClock.clearTimeout(cleared);
    expect(typeof kept.unref).toBe('function');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toEqual(['kept']);
  });
});

/** Nanoseconds of a Go duration text ("1h2m3.5s", "-394.823µs"), exact, for round trips. */
function parseGoDuration(text: string): bigint {
  const sign = text.startsWith('-') ? -1n : 1n;
  const units: Record<string, bigint> = {
    h: 3_600_000_000_000n,
    m: 60_000_000_000n,
    s: 1_000_000_000n,
    ms: 1_000_000n,
    µs: 1000n,
    ns: 1n,
  };
  let total = 0n;
  for (const [, whole = '0', decimals = '', unit = ''] of text
    .replace('-', '')
    .matchAll(/(\d+)(?:\.(\d+))?(ns|µs|ms|h|m|s)/g)) {
    const scale = units[unit] as bigint;
    total +=
      BigInt(whole) * scale + (decimals === '' ? 0n : (BigInt(decimals) * scale) / 10n ** BigInt(decimals.length));
  }
  return sign * total;
}
