import type { TrafficError } from '@traffic/core';
import { BoundedMap } from '@traffic/core';
import { describe, expect, it } from 'vitest';

describe('BoundedMap', () => {
  it('behaves as a Map below the bound', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1);
    expect(map.has('b')).toBe(true);
    expect(map.size).toBe(2);
    expect(map.max).toBe(3);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect([...map]).toEqual([['b', 2]]);
    expect([...map.keys()]).toEqual(['b']);
    expect([...map.values()]).toEqual([2]);
    expect([...map.entries()]).toEqual([['b', 2]]);
    map.clear();
    expect(map.size).toBe(0);
  });

  it('evicts the oldest insertion past the bound and counts each eviction', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 10);
    expect(map.evicted).toBe(0);
    map.set('c', 3);
    expect([...map.keys()]).toEqual(['b', 'c']);
    map.set('d', 4).set('e', 5);
    expect(map.evicted).toBe(3);
    expect(map.size).toBe(2);
    expect(map.get('a')).toBeUndefined();
  });

  it('rejects a bound that is not a positive integer with InvalidOptionError', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect(() => new BoundedMap(max)).toThrow(
        expect.objectContaining({ code: 'TRAFFIC_ERR_OPTION_INVALID' }) as TrafficError,
      );
    }
  });
});
