import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventProxy } from '../src/index.js';
import { startProxy } from './helpers.js';

let proxy: EventProxy | undefined;
let server: Server | undefined;

afterEach(async () => {
  await proxy?.close(100);
  proxy = undefined;
  if (server !== undefined) {
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
});

async function startUpstream(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** GET through the proxy; resolves with the time to the first body byte and the total bytes. */
function timedGet(url: string): Promise<{ firstByteMs: number; totalMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstByteMs = -1;
    let bytes = 0;
    const req = request(url, { agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - start;
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ firstByteMs, totalMs: performance.now() - start, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

for (const mode of ['fast path', 'with listeners'] as const) {
  describe(`streaming (${mode})`, () => {
    function observe(target: EventProxy) {
      if (mode === 'fast path') return;
      // Listeners that do not ask for the body must not make the proxy buffer it.
      target.on('filter.response', (event) => {
        if (event.response) event.response.headers['x-seen'] = '1';
      });
      target.on('transaction.ended', () => {});
    }

    it('the first byte of a slowly streamed 2 s response reaches the client in < 200 ms', async () => {
      const upstream = await startUpstream((req, res) => {
        if (req.url === '/warm') {
          res.end('warm');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const tick = () => {
          res.write(`chunk ${sent}\n`);
          sent++;
          if (sent === 10) res.end();
          else setTimeout(tick, 200);
        };
        tick();
      });
      const started = await startProxy(upstream);
      proxy = started.proxy;
      observe(proxy);
      // One quick exchange first, so the measurement is the streaming, not the first connect and
      // code warm-up on a busy machine.
      await timedGet(`${started.url}/warm`);
      const result = await timedGet(`${started.url}/slow`);
      expect(result.firstByteMs).toBeLessThan(200);
      expect(result.totalMs).toBeGreaterThan(1700);
      expect(result.bytes).toBe(Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join('').length);
    });

    it('a 100 MiB response streams with < 30 MB RSS growth', async () => {
      const total = 100 * 1024 * 1024;
      const piece = Buffer.alloc(64 * 1024, 0x61);
      const upstream = await startUpstream((_req, res) => {
        res.writeHead(200, { 'content-length': String(total) });
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += piece.length;
            if (!res.write(piece)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      });
      const started = await startProxy(upstream);
      proxy = started.proxy;
      observe(proxy);
      // Warm up the sockets and buffers once so the baseline includes them.
      await timedGet(`${started.url}/warm`);
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 10);
      try {
        const result = await timedGet(`${started.url}/big`);
        expect(result.bytes).toBe(total);
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      expect((peak - before) / 1e6).toBeLessThan(30);
    });
  });
}
