import { formatGoDuration } from '@traffic/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DurationText, jsonString } from '../src/json-text.js';

describe('jsonString', () => {
  it('is a JSON literal of the same string, pure ASCII, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const literal = jsonString(value);
        expect(literal).toMatch(/^[\x00-\x7f]*$/);
        expect(JSON.parse(literal)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes quotes, backslashes and control characters (no log injection)', () => {
    expect(jsonString('a"b\\c\r\nd')).toBe('"a\\"b\\\\c\\r\\nd"');
    expect(jsonString('/p?q=1')).toBe('"/p?q=1"');
    expect(jsonString('café')).toBe('"caf\\u00e9"');
  });
});

describe('DurationText', () => {
  const text = new DurationText();
  const of = (ns: bigint): [string, string] => {
    text.set(ns);
    return [text.go, text.ms];
  };

  it('formats Go text and milliseconds', () => {
    expect(of(0n)).toEqual(['"0s"', '0.000000']);
    expect(of(7n)).toEqual(['"7ns"', '0.000007']);
    expect(of(1_000n)).toEqual(['"1\\u00b5s"', '0.001000']);
    expect(of(394_823n)).toEqual(['"394.823\\u00b5s"', '0.394823']);
    expect(of(4_346_381n)).toEqual(['"4.346381ms"', '4.346381']);
    expect(of(12_500_000n)).toEqual(['"12.5ms"', '12.500000']);
    expect(of(1_500_000_000n)).toEqual(['"1.5s"', '1500.000000']);
    expect(of(62_500_000_000n)).toEqual(['"1m2.5s"', '62500.000000']);
    expect(of(-5n)).toEqual(['"-5ns"', '-0.000005']);
    expect(of(2n ** 60n)).toEqual(['"320255h58m24.606846976s"', '1152921504606.846976']);
  });

  it('agrees with formatGoDuration and ns / 1e6 for any duration', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 15n }), (ns) => {
        const [go, ms] = of(ns);
        expect(JSON.parse(go)).toBe(formatGoDuration(ns));
        if (ns >= 0n) {
          expect(ms).toMatch(/^\d+\.\d{6}$/);
          // Six decimals of milliseconds are exact nanoseconds: drop the point to get them back.
          expect(BigInt(ms.replace('.', ''))).toBe(ns);
        } else {
          expect(ms).toMatch(/^-\d+\.\d{6}$/);
          expect(BigInt(ms.replace('.', ''))).toBe(ns);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
