import { connect } from 'node:net';
import { startHttpServer } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import { createShadowProxy } from '../src/index.js';
import { outcomesAtLeast, send, setup } from './helpers.js';

describe('request policy', () => {
  it('POST is not shadowed by default, but is on an allowed route', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' }, { allowMethods: [{ path: '/search', methods: ['post'] }] });
    try {
      await send(s.url, {
        method: 'POST',
        path: '/orders',
        body: '{"n":1}',
        headers: { 'content-type': 'application/json' },
      });
      await send(s.url, { method: 'POST', path: '/search?q=1', body: 'q', headers: { 'content-type': 'text/plain' } });
      await outcomesAtLeast(s.proxy, 2);
      expect(s.master.requests.map((request) => request.url)).toEqual(['/orders', '/search?q=1']);
      expect(s.shadow.requests.map((request) => [request.method, request.url, request.body.toString()])).toEqual([
        ['POST', '/search?q=1', 'q'],
      ]);
      expect(s.proxy.stats().skipped).toEqual({ method: 1 });
    } finally {
      await s.close();
    }
  });

  it('the marker header reaches shadows only, even when the client sent one', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' });
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      expect(s.master.requests[0]?.headers['x-shadow-request']).toBeUndefined();
      expect(s.shadow.requests[0]?.headers['x-shadow-request']).toBe('1');
      // A request that is already someone's shadow traffic is not fanned out again.
      await send(s.url, { headers: { 'X-Shadow-Request': '1' } });
      await outcomesAtLeast(s.proxy, 2);
      expect(s.master.requests[1]?.headers['x-shadow-request']).toBeUndefined();
      expect(s.shadow.requests).toHaveLength(1);
      expect(s.proxy.stats().skipped).toEqual({ already_shadow: 1 });
    } finally {
      await s.close();
    }
  });

  it('strips hop-by-hop headers, sends identical x-forwarded-*, keeps Host for the master', async () => {
    const master = await startHttpServer({
      body: 'ok',
      headers: { Connection: 'x-hop', 'X-Hop': 'secret', 'Keep-Alive': 'timeout=9' },
    });
    const shadow = await startHttpServer({ body: 'ok' });
    const proxy = createShadowProxy({ listen: '127.0.0.1:0' })
      .addMaster('live', master.url)
      .addBackend('candidate', shadow.url, { host: 'backend' });
    try {
      const { url } = await proxy.listen();
      const res = await send(url, {
        headers: [
          'Host',
          'shop.example',
          'Connection',
          'X-Drop',
          'X-Drop',
          '1',
          'TE',
          'trailers',
          'X-Forwarded-For',
          '10.0.0.1',
        ],
      });
      expect(res.headers['x-hop']).toBeUndefined();
      expect(res.headers['keep-alive']).not.toBe('timeout=9');
      await outcomesAtLeast(proxy, 1);
      const [m, sh] = [master.requests[0], shadow.requests[0]];
      expect(m?.headers.host).toBe('shop.example');
      expect(sh?.headers.host).toBe(new URL(shadow.url).host);
      for (const got of [m, sh]) {
        expect(got?.headers['x-drop']).toBeUndefined();
        expect(got?.headers.te).toBeUndefined();
        expect(got?.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
        expect(got?.headers['x-forwarded-host']).toBe('shop.example');
        expect(got?.headers['x-forwarded-proto']).toBe('http');
      }
    } finally {
      await proxy.close();
      await Promise.all([master.close(), shadow.close()]);
    }
  });

  it('a request that comes back through the proxy gets 508 instead of looping', async () => {
    const probe = await startHttpServer({});
    const port = probe.port;
    await probe.close();
    // Misconfigured on purpose: the master is the proxy itself.
    const proxy = createShadowProxy({ listen: `127.0.0.1:${port}` }).addMaster('live', `http://127.0.0.1:${port}`);
    try {
      const { url } = await proxy.listen();
      const res = await send(url, { path: '/again' });
      expect(res.status).toBe(508);
      expect(res.headers['x-traffic-error']).toBe('TRAFFIC_ERR_SHADOW_LOOP');
      expect(proxy.stats().proxyErrors.loop).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('sampling: 0% shadows nothing; sticky sampling keeps one user in or out', async () => {
    const none = await setup({ body: 'ok' }, { body: 'ok' }, { sampleRate: 0 });
    try {
      for (let i = 0; i < 5; i++) await send(none.url);
      await outcomesAtLeast(none.proxy, 5);
      expect(none.shadow.requests).toHaveLength(0);
      expect(none.proxy.stats().skipped).toEqual({ sampled_out: 5 });
    } finally {
      await none.close();
    }
    const sticky = await setup({ body: 'ok' }, { body: 'ok' }, { sampleRate: 50, sampleHeader: 'x-user' });
    try {
      const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
      for (const user of users) for (let i = 0; i < 3; i++) await send(sticky.url, { headers: { 'x-user': user } });
      await outcomesAtLeast(sticky.proxy, 60);
      const shadowed = new Map<string, number>();
      for (const request of sticky.shadow.requests) {
        const user = request.headers['x-user'] as string;
        shadowed.set(user, (shadowed.get(user) ?? 0) + 1);
      }
      // Every user is either always shadowed (3 of 3) or never; 20 users at 50% land on both sides.
      expect([...shadowed.values()].every((count) => count === 3)).toBe(true);
      expect(shadowed.size).toBeGreaterThan(0);
      expect(shadowed.size).toBeLessThan(20);
    } finally {
      await sticky.close();
    }
  });

  it('Upgrade requests tunnel to the master only', async () => {
    const { createServer } = await import('node:http');
    const upstream = createServer();
    upstream.on('upgrade', (_req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const shadow = await startHttpServer({ body: 'ok' });
    const address = upstream.address() as { port: number };
    const proxy = createShadowProxy({ listen: '127.0.0.1:0' })
      .addMaster('live', `http://127.0.0.1:${address.port}`)
      .addBackend('candidate', shadow.url);
    try {
      const { port } = await proxy.listen();
      const socket = connect(port, '127.0.0.1');
      socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (received.includes('\r\n\r\n') && !received.includes('ping')) socket.write('ping');
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo: ${JSON.stringify(received)}`)), 3000);
        const check = setInterval(() => {
          if (received.endsWith('ping')) {
            clearTimeout(timer);
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      expect(received.startsWith('HTTP/1.1 101')).toBe(true);
      socket.destroy();
      expect(shadow.requests).toHaveLength(0);
      expect(proxy.stats().skipped).toEqual({ upgrade: 1 });
    } finally {
      await proxy.close();
      await shadow.close();
      await new Promise<void>((resolve) => {
        upstream.closeAllConnections();
        upstream.close(() => resolve());
      });
    }
  });
});
