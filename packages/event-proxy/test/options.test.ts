import { describe, expect, it } from 'vitest';
import { createEventProxy, DEFAULTS } from '../src/index.js';

const upstream = 'http://127.0.0.1:9';

describe('createEventProxy options', () => {
  it('rejects missing or empty endpoints with a coded error naming the option', () => {
    expect(() => createEventProxy({ endpoints: [] })).toThrow(/invalid option endpoints/);
    expect(() => createEventProxy({} as never)).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_OPTION_INVALID' }),
    );
  });

  it('rejects a bad listen address, upstream URL, and unknown keys', () => {
    expect(() => createEventProxy({ endpoints: [{ listen: 'nope:xx', upstream }] })).toThrow(/endpoints\[0\]\.listen/);
    expect(() => createEventProxy({ endpoints: [{ listen: ':0', upstream: 'ftp://x' }] })).toThrow(
      /endpoints\[0\]\.upstream/,
    );
    expect(() => createEventProxy({ endpoints: [{ listen: ':0', upstream: 'http://u:p@x' }] })).toThrow(/credentials/);
    expect(() => createEventProxy({ endpoints: [{ listen: ':0', upstream: [] }] })).toThrow(/at least one URL/);
    expect(() => createEventProxy({ endpoints: [{ listen: ':0', upstream }], timeoutMs: 5 } as never)).toThrow(
      /createEventProxy\.timeoutMs/,
    );
  });

  it('rejects bad numbers and policies', () => {
    const endpoints = [{ listen: ':0', upstream }];
    expect(() => createEventProxy({ endpoints, headersTimeoutMs: 0 })).toThrow(/headersTimeoutMs/);
    expect(() => createEventProxy({ endpoints, upstreamConnections: 1.5 })).toThrow(/upstreamConnections/);
    expect(() => createEventProxy({ endpoints, listenerErrorPolicy: 'drop' as never })).toThrow(
      /respond-500, continue/,
    );
  });

  it('rejects unknown hook names and keyed listeners', async () => {
    const proxy = createEventProxy({ endpoints: [{ listen: ':0', upstream }] });
    expect(() => proxy.on('transaction.finished' as never, () => {})).toThrow(/transaction\.ended/);
    expect(() => proxy.on('filter.request', () => {}, { key: 'a' })).toThrow(/not keyed/);
    await proxy.close();
  });

  it('has frozen defaults', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(DEFAULTS.listenerErrorPolicy).toBe('respond-500');
  });
});
