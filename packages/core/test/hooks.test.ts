import type { TrafficError } from '@traffic/core';
import { HookEvent, HookRegistry } from '@traffic/core';
import { FakeClock } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';

class PhaseEvent extends HookEvent {
  readonly seen: string[] = [];
}

type Spec = { request: PhaseEvent; response: PhaseEvent };

describe('HookRegistry.run', () => {
  it('returns the event itself, synchronously, when nothing listens', () => {
    const hooks = new HookRegistry<Spec>();
    const event = new PhaseEvent();
    expect(hooks.run('request', event)).toBe(event);
    expect(hooks.runKeyed('request', 'id-1', event)).toBe(event);
    const off = hooks.on('response', () => {});
    off();
    expect(hooks.run('response', event)).toBe(event);
  });

  it('runs lower priorities first and equal priorities in registration order', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', (event) => void event.seen.push('p5'), { priority: 5 });
    hooks.on('request', (event) => void event.seen.push('p0-first'));
    hooks.on('request', (event) => void event.seen.push('p-1'), { priority: -1 });
    hooks.on('request', (event) => void event.seen.push('p0-second'), { priority: 0 });
    hooks.on('request', (event) => void event.seen.push('p5-second'), { priority: 5 });
    const event = await hooks.run('request', new PhaseEvent());
    expect(event.seen).toEqual(['p-1', 'p0-first', 'p0-second', 'p5', 'p5-second']);
  });

  it('awaits async listeners one by one', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      event.seen.push('slow');
    });
    hooks.on('request', (event) => void event.seen.push('after'));
    const result = hooks.run('request', new PhaseEvent());
    expect(result).toBeInstanceOf(Promise);
    expect((await result).seen).toEqual(['slow', 'after']);
  });

  it('stopPropagation stops the rest of that dispatch only, even when the event object is reused', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', (event) => {
      event.seen.push('request-1');
      event.stopPropagation();
    });
    hooks.on('request', (event) => void event.seen.push('request-2'));
    hooks.on('response', (event) => void event.seen.push('response-1'));
    hooks.on('response', (event) => void event.seen.push('response-2'));
    const shared = new PhaseEvent();
    await hooks.run('request', shared);
    expect(shared.propagationStopped).toBe(true);
    await hooks.run('response', shared);
    expect(shared.seen).toEqual(['request-1', 'response-1', 'response-2']);
    expect(shared.propagationStopped).toBe(false);
  });

  it('passes each return value to onReturn, which may stop the dispatch', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', () => 'keep');
    hooks.on('request', async () => null);
    hooks.on('request', (event) => void event.seen.push('never'));
    const values: unknown[] = [];
    const event = await hooks.run('request', new PhaseEvent(), (value, current) => {
      values.push(value);
      if (value === null) current.stopPropagation();
    });
    expect(values).toEqual(['keep', null]);
    expect(event.seen).toEqual([]);
  });

  it('a throwing listener sets event.error, stops the dispatch, is counted and reaches onListenerError', async () => {
    const reported: [string, string, string | undefined][] = [];
    const hooks = new HookRegistry<Spec>({
      onListenerError: (error, name, key) => reported.push([error.message, name, key]),
    });
    hooks.on('request', () => {
      throw new Error('boom');
    });
    hooks.on('request', (event) => void event.seen.push('skipped'));
    hooks.on(
      'response',
      async () => {
        throw 'a string';
      },
      { key: 'k1' },
    );
    const event = await hooks.run('request', new PhaseEvent());
    expect(event.error?.message).toBe('boom');
    expect(event.seen).toEqual([]);
    const keyed = await hooks.runKeyed('response', 'k1', new PhaseEvent());
    expect(keyed.error).toBeInstanceOf(Error);
    expect(keyed.error?.message).toBe('a string');
    expect(reported).toEqual([
      ['boom', 'request', undefined],
      ['a string', 'response', 'k1'],
    ]);
    expect(hooks.stats.listenerErrors).toBe(2);
  });

  it('clears a previous dispatch error from a reused event, and survives a throwing error policy', async () => {
    let fail = true;
    const hooks = new HookRegistry<Spec>({
      onListenerError: () => {
        throw new Error('policy broke');
      },
    });
    hooks.on('request', () => {
      if (fail) throw new Error('first');
    });
    const event = new PhaseEvent();
    await hooks.run('request', event);
    expect(event.error?.message).toBe('first');
    fail = false;
    await hooks.run('request', event);
    expect(event.error).toBeUndefined();
  });

  it('listeners added or removed during a dispatch do not shift that dispatch', async () => {
    const hooks = new HookRegistry<Spec>();
    let offSecond = () => {};
    hooks.on('request', (event) => {
      event.seen.push('first');
      offSecond();
      hooks.on('request', (current) => void current.seen.push('late'));
    });
    offSecond = hooks.on('request', (event) => void event.seen.push('second'));
    expect((await hooks.run('request', new PhaseEvent())).seen).toEqual(['first']);
    expect((await hooks.run('request', new PhaseEvent())).seen).toEqual(['first', 'late']);
  });

  it('once listeners run a single time; the unsubscribe function works and is idempotent', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', (event) => void event.seen.push('once'), { once: true });
    const off = hooks.on('request', (event) => void event.seen.push('always'));
    expect((await hooks.run('request', new PhaseEvent())).seen).toEqual(['once', 'always']);
    expect((await hooks.run('request', new PhaseEvent())).seen).toEqual(['always']);
    off();
    off();
    expect(hooks.has('request')).toBe(false);
  });

  it('clear(name) and clear() remove listeners', () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('request', () => {});
    hooks.on('response', () => {});
    hooks.on('response', () => {}, { key: 'a' });
    hooks.clear('response');
    expect(hooks.has('response')).toBe(false);
    expect(hooks.has('response', 'a')).toBe(false);
    expect(hooks.has('request')).toBe(true);
    hooks.clear();
    expect(hooks.has('request')).toBe(false);
    expect(hooks.keyedCount).toBe(0);
  });
});

describe('HookRegistry keyed listeners', () => {
  it('are scoped to their key, one-shot by default, and separate from the unkeyed chain', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('response', (event) => void event.seen.push('a'), { key: 'id-a' });
    hooks.on('response', (event) => void event.seen.push('b'), { key: 'id-b' });
    expect(hooks.has('response')).toBe(false);
    expect(hooks.has('response', 'id-a')).toBe(true);
    expect(hooks.run('response', new PhaseEvent()).constructor).toBe(PhaseEvent);
    expect((await hooks.runKeyed('response', 'id-a', new PhaseEvent())).seen).toEqual(['a']);
    expect((await hooks.runKeyed('response', 'id-a', new PhaseEvent())).seen).toEqual([]);
    expect(hooks.keyedCount).toBe(1);
  });

  it('may be kept with once: false', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('response', (event) => void event.seen.push('x'), { key: 'k', once: false });
    await hooks.runKeyed('response', 'k', new PhaseEvent());
    expect((await hooks.runKeyed('response', 'k', new PhaseEvent())).seen).toEqual(['x']);
  });

  it('expire after their TTL (registry default or per listener) and are counted', async () => {
    const clock = new FakeClock();
    const hooks = new HookRegistry<Spec>({ clock, keyedTtlMs: 1000 });
    hooks.on('response', (event) => void event.seen.push('default'), { key: 'a' });
    hooks.on('response', (event) => void event.seen.push('short'), { key: 'b', ttlMs: 100 });
    clock.advance(100);
    expect(hooks.has('response', 'b')).toBe(false);
    expect((await hooks.runKeyed('response', 'b', new PhaseEvent())).seen).toEqual([]);
    expect(hooks.stats.keyedExpired).toBe(1);
    clock.advance(899);
    expect(hooks.has('response', 'a')).toBe(true);
    clock.advance(1);
    // Expired entries are also swept when a new keyed listener is added.
    hooks.on('response', () => {}, { key: 'c' });
    expect(hooks.stats).toEqual({ keyed: 1, keyedEvicted: 0, keyedExpired: 2, listenerErrors: 0 });
  });

  it('are bounded: the oldest is evicted and counted', async () => {
    const hooks = new HookRegistry<Spec>({ maxKeyed: 3 });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5'])
      hooks.on('response', (event) => void event.seen.push(key), { key });
    expect(hooks.keyedCount).toBe(3);
    expect(hooks.stats.keyedEvicted).toBe(2);
    expect((await hooks.runKeyed('response', 'k1', new PhaseEvent())).seen).toEqual([]);
    expect((await hooks.runKeyed('response', 'k5', new PhaseEvent())).seen).toEqual(['k5']);
  });

  it('several on one key run in priority order; removing one keeps the others', async () => {
    const hooks = new HookRegistry<Spec>();
    hooks.on('response', (event) => void event.seen.push('late'), { key: 'k', priority: 10 });
    const off = hooks.on('response', (event) => void event.seen.push('gone'), { key: 'k' });
    hooks.on('response', (event) => void event.seen.push('early'), { key: 'k', priority: -1 });
    hooks.on('response', (event) => void event.seen.push('kept'), { key: 'k', once: false });
    hooks.on('request', (event) => void event.seen.push('other name'), { key: 'k' });
    off();
    expect(hooks.keyedCount).toBe(4);
    expect((await hooks.runKeyed('response', 'k', new PhaseEvent())).seen).toEqual(['early', 'kept', 'late']);
    expect((await hooks.runKeyed('response', 'k', new PhaseEvent())).seen).toEqual(['kept']);
    expect(hooks.has('request', 'k')).toBe(true);
    hooks.clear('response');
    expect(hooks.has('response', 'k')).toBe(false);
    expect((await hooks.runKeyed('request', 'k', new PhaseEvent())).seen).toEqual(['other name']);
    expect(hooks.keyedCount).toBe(0);
  });

  it('the unsubscribe function removes a keyed listener before it runs', async () => {
    const hooks = new HookRegistry<Spec>();
    const off = hooks.on('response', (event) => void event.seen.push('x'), { key: 'k' });
    off();
    expect(hooks.keyedCount).toBe(0);
    expect(hooks.runKeyed('response', 'k', new PhaseEvent())).toBeInstanceOf(PhaseEvent);
  });
});

describe('HookRegistry options', () => {
  it('rejects bad registry and listener options with InvalidOptionError', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return [(error as TrafficError).code, (error as { option?: string }).option];
      }
      return undefined;
    };
    expect(codeOf(() => new HookRegistry({ maxKeyed: 0 }))).toEqual(['TRAFFIC_ERR_OPTION_INVALID', 'maxKeyed']);
    expect(codeOf(() => new HookRegistry({ keyedTtlMs: 1.5 }))).toEqual(['TRAFFIC_ERR_OPTION_INVALID', 'keyedTtlMs']);
    const hooks = new HookRegistry<Spec>();
    expect(codeOf(() => hooks.on('request', () => {}, { priority: Number.NaN }))).toEqual([
      'TRAFFIC_ERR_OPTION_INVALID',
      'priority',
    ]);
    expect(codeOf(() => hooks.on('request', () => {}, { key: 'k', ttlMs: 0 }))).toEqual([
      'TRAFFIC_ERR_OPTION_INVALID',
      'ttlMs',
    ]);
    expect(hooks.has('request')).toBe(false);
  });
});
