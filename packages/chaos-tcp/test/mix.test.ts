import { startTcpEchoServer, waitUntil } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import { createBehaviorMix, createChaosProxy, createPrng, type FaultEvent } from '../src/index.js';
import { client } from './helpers.js';

describe('seeded PRNG', () => {
  it('gives the same sequence for the same seed and different ones for other seeds or sub-streams', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const seqA = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => createPrng(43).next())).not.toEqual(seqA.slice(0, 5));
    expect(createPrng(42).fork(3).next()).toBe(createPrng(42).fork(3).next());
    expect(createPrng(42).fork(3).next()).not.toBe(createPrng(42).fork(4).next());
    for (const value of seqA) expect(value >= 0 && value < 1).toBe(true);
  });
});

describe('behaviour mix', () => {
  it('follows the weights within ±5σ over 10k decisions (the same pick() real connections use)', () => {
    const mix = createBehaviorMix({ behavior: '20:delay,10:error,5:abort' });
    const counts: Record<string, number> = {};
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      // One decision per connection sub-stream, as the proxy does.
      const entry = mix.pick(createPrng(99).fork(i));
      counts[entry.name] = (counts[entry.name] ?? 0) + 1;
    }
    for (const [name, p] of [
      ['delay', 0.2],
      ['error', 0.1],
      ['abort', 0.05],
      ['dummy', 0.65],
    ] as const) {
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs((counts[name] ?? 0) - n * p)).toBeLessThanOrEqual(5 * sigma);
    }
  });

  it('rejects weights over 100, unknown names, duplicates and bad syntax with clear errors', () => {
    expect(() => createBehaviorMix({ behavior: '60:delay,50:error' })).toThrow(/add up to 110.*may not exceed 100/);
    expect(() => createBehaviorMix({ behavior: '10:nope' })).toThrow(/unknown behavior "nope" \(allowed: dummy, delay/);
    expect(() => createBehaviorMix({ behavior: '10:delay,5:delay' })).toThrow(/listed twice/);
    expect(() => createBehaviorMix({ behavior: 'delay:10' })).toThrow(/not WEIGHT:NAME/);
    expect(() => createBehaviorMix({ behavior: '10:delay', behaviorOptions: { delay: { sleep: 'x' } } })).toThrow(
      /option sleep is "x" \(allowed: a number/,
    );
    expect(() => createBehaviorMix({ behavior: '10:delay', behaviorOptions: { delay: { nap: 1 } } })).toThrow(
      /no option "nap" \(allowed: sleep, before\)/,
    );
    expect(createBehaviorMix({ behavior: '20:delay,10:error' }).toString()).toBe('20:delay,10:error');
  });

  it('real connections follow the weights and the same seed gives the same decisions twice', async () => {
    const echo = await startTcpEchoServer();
    const run = async (seed: number) => {
      const proxy = createChaosProxy({ upstream: `127.0.0.1:${echo.port}`, seed, behavior: '50:blackout' });
      const faults: FaultEvent[] = [];
      proxy.events.on('fault', (event) => faults.push(event));
      await proxy.listen();
      const outcomes: string[] = [];
      try {
        for (let i = 0; i < 60; i++) {
          const c = await client(proxy.address!.port);
          c.socket.write('x');
          await Promise.race([c.waitFor(1), c.ended]);
          outcomes.push(c.received().length === 1 ? 'echo' : 'blackout');
          c.socket.destroy();
        }
        await waitUntil(() => proxy.connections === 0, 'closed');
      } finally {
        await proxy.close();
      }
      return { outcomes, faults: faults.map((f) => `${f.connection}:${f.behavior}`) };
    };
    try {
      const first = await run(1234);
      const second = await run(1234);
      const other = await run(4321);
      expect(second).toEqual(first);
      expect(other.outcomes).not.toEqual(first.outcomes);
      const blackouts = first.outcomes.filter((o) => o === 'blackout').length;
      // 60 connections at p = 0.5: σ ≈ 3.9; ±5σ.
      expect(Math.abs(blackouts - 30)).toBeLessThanOrEqual(19);
      expect(first.faults.length).toBe(blackouts);
    } finally {
      await echo.close();
    }
  });
});
