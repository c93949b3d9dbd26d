import { describe, expect, it } from 'vitest';
import { createShadowProxy } from '../src/index.js';

describe('options', () => {
  it('rejects bad options with a coded error naming the option', () => {
    expect(() => createShadowProxy({ shadowTimeoutMs: -1 })).toThrow(/invalid option shadowTimeoutMs: -1/);
    expect(() => createShadowProxy({ sampleRate: 101 })).toThrow(/sampleRate/);
    expect(() => createShadowProxy({ markerHeader: 'bad header' })).toThrow(/markerHeader/);
    expect(() => createShadowProxy({ bogus: 1 } as never)).toThrow(/shadowProxy.bogus/);
    try {
      createShadowProxy({ allowMethods: [{ path: 'no-slash', methods: ['POST'] }] });
      expect.unreachable();
    } catch (error) {
      expect((error as { code?: string }).code).toBe('TRAFFIC_ERR_OPTION_INVALID');
    }
  });

  it('refuses a second master, duplicate names and listen() without a master', async () => {
    const proxy = createShadowProxy({ listen: '127.0.0.1:0' });
    await expect(proxy.listen()).rejects.toMatchObject({ code: 'TRAFFIC_ERR_SHADOW_NO_MASTER' });
    proxy.addMaster('live', 'http://127.0.0.1:9');
    expect(() => proxy.addMaster('other', 'http://127.0.0.1:9')).toThrow(/one master only/);
    expect(() => proxy.addBackend('live', 'http://127.0.0.1:9')).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_SHADOW_DUPLICATE_BACKEND' }),
    );
    expect(() => proxy.addBackend('x', 'ftp://nope')).toThrow(/absolute URL/);
    await proxy.close();
  });
});
