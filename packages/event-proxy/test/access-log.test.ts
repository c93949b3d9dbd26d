import type { TestHttpServer } from '@traffic/core/testing';
import { startHttpServer, waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventProxy } from '../src/index.js';
import { send, startProxy } from './helpers.js';

let upstream: TestHttpServer | undefined;
let proxy: EventProxy | undefined;

afterEach(async () => {
  await proxy?.close(100);
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

for (const mode of ['fast path', 'with listeners'] as const) {
  describe(`access log through @traffic/http-logger (${mode})`, () => {
    it('writes one line per request and forwards the logged request id', async () => {
      upstream = await startHttpServer({ body: 'ok', headers: { 'set-cookie': ['a=1', 'b=2'] } });
      const lines: string[] = [];
      const started = await startProxy(upstream.url, {
        accessLog: { sink: (line: string) => lines.push(line), stdout: false },
      });
      proxy = started.proxy;
      if (mode === 'with listeners') proxy.on('transaction.started', () => {});
      const reply = await send(`${started.url}/logged?x=1`);
      expect(reply.status).toBe(200);
      // Both cookies survive the access log's own response header.
      expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      const id = reply.headers['x-request-id'];
      expect(typeof id).toBe('string');
      expect(upstream.requests[0]?.headers['x-request-id']).toBe(id);
      await waitUntil(() => lines.length === 1, 'one access log line');
      const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
      expect(entry).toMatchObject({ status: 200, request_id: id, method: 'GET' });
    });

    it('replaces an invalid incoming request id before forwarding it', async () => {
      upstream = await startHttpServer({ body: 'ok' });
      const started = await startProxy(upstream.url, { accessLog: { sink: () => {}, stdout: false } });
      proxy = started.proxy;
      if (mode === 'with listeners') proxy.on('transaction.started', () => {});
      const reply = await send(`${started.url}/`, { headers: { 'x-request-id': 'bad id with spaces' } });
      const forwarded = upstream.requests[0]?.headers['x-request-id'];
      expect(forwarded).not.toBe('bad id with spaces');
      expect(forwarded).toBe(reply.headers['x-request-id']);
    });
  });
}
