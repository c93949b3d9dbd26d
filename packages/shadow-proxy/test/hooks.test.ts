import { startHttpServer } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import type { BackendResult, DiffRecord } from '../src/index.js';
import { createShadowProxy } from '../src/index.js';
import { outcomesAtLeast, send, setup } from './helpers.js';

describe('hooks (Geest / kage semantics)', () => {
  it('selectBackends picks the shadows per request; mungeRequest changes one backend only', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' });
    s.proxy.selectBackends((event) => (event.request.url.startsWith('/skip') ? ['live'] : undefined));
    s.proxy.mungeRequest((event) => {
      if (event.backend === 'candidate') {
        event.upstream.path = `/v2${event.upstream.path}`;
        event.upstream.headers.push('x-candidate', 'yes');
      }
    });
    try {
      await send(s.url, { path: '/skip/1' });
      await send(s.url, { path: '/items?x=1' });
      await outcomesAtLeast(s.proxy, 1);
      expect(s.master.requests.map((request) => request.url)).toEqual(['/skip/1', '/items?x=1']);
      expect(s.master.requests[1]?.headers['x-candidate']).toBeUndefined();
      expect(s.shadow.requests.map((request) => request.url)).toEqual(['/v2/items?x=1']);
      expect(s.shadow.requests[0]?.headers['x-candidate']).toBe('yes');
    } finally {
      await s.close();
    }
  });

  it('backendsFinished sees every response and can replace the comparison', async () => {
    const s = await setup(
      { body: 'A', headers: { 'content-type': 'text/plain' } },
      { body: 'B', headers: { 'content-type': 'text/plain' } },
    );
    const seen: BackendResult[][] = [];
    s.proxy.backendsFinished((event) => {
      seen.push([...event.results]);
      event.skipComparison = true;
    });
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      expect(seen[0]?.map((result) => [result.name, result.role, result.status, result.body.toString()])).toEqual([
        ['live', 'master', 200, 'A'],
        ['candidate', 'shadow', 200, 'B'],
      ]);
      expect(s.proxy.stats().skipped).toEqual({ hook: 1 });
    } finally {
      await s.close();
    }
  });

  it('when the selection leaves the master out, the first complete response wins', async () => {
    const master = await startHttpServer({ body: 'master' });
    const slow = await startHttpServer({ body: 'slow', delayMs: 150 });
    const fast = await startHttpServer({ body: 'fast', delayMs: 10 });
    const proxy = createShadowProxy({ listen: '127.0.0.1:0' })
      .addMaster('live', master.url)
      .addBackend('slow', slow.url)
      .addBackend('fast', fast.url);
    proxy.selectBackends(() => ['slow', 'fast']);
    const finished: string[][] = [];
    proxy.backendsFinished((event) => {
      finished.push(event.results.map((result) => result.name));
    });
    try {
      const { url } = await proxy.listen();
      const res = await send(url);
      expect(res.body.toString()).toBe('fast');
      expect(master.requests).toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(finished).toEqual([['fast', 'slow']]);
      // The racers answer the client: they get no shadow marker.
      expect(fast.requests[0]?.headers['x-shadow-request']).toBeUndefined();
    } finally {
      await proxy.close();
      await Promise.all([master.close(), slow.close(), fast.close()]);
    }
  });

  it('a throwing hook is counted and reported; the client still gets the master answer', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' });
    const errors: Error[] = [];
    s.proxy.events.on('error', (error) => errors.push(error));
    s.proxy.selectBackends(() => {
      throw new Error('boom');
    });
    try {
      const res = await send(s.url);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('ok');
      expect(s.shadow.requests).toHaveLength(0);
      expect(s.proxy.stats().hookErrors).toBe(1);
      expect((errors[0] as { code?: string }).code).toBe('TRAFFIC_ERR_SHADOW_HOOK_FAILED');
    } finally {
      await s.close();
    }
  });
});

describe('reporting', () => {
  it('the diff log redacts secrets in headers, query and JSON fields', async () => {
    const { NdjsonCollector } = await import('@traffic/core/testing');
    const log = new NdjsonCollector();
    const json = { 'content-type': 'application/json' };
    const s = await setup(
      { body: JSON.stringify({ token: 'master-secret', v: 1 }), headers: json },
      { body: JSON.stringify({ token: 'shadow-secret', v: 2 }), headers: json },
      { diffLog: log },
    );
    try {
      await send(s.url, {
        path: '/a?api_key=K123&page=2',
        headers: { authorization: 'Bearer abc', cookie: 'sid=xyz', 'x-trace': 'keep' },
      });
      const [record] = (await log.waitFor(1)) as unknown as DiffRecord[];
      const text = JSON.stringify(record);
      for (const secret of ['master-secret', 'shadow-secret', 'K123', 'Bearer abc', 'sid=xyz'])
        expect(text).not.toContain(secret);
      expect(record?.request.url).toBe('/a?api_key=[redacted]&page=2');
      expect(record?.request.headers).toContain('keep');
      expect(record?.differences).toEqual([
        { kind: 'body', path: '/token', master: '[redacted]', shadow: '[redacted]' },
        { kind: 'body', path: '/v', master: 1, shadow: 2 },
      ]);
      expect(record?.timings?.masterMs).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('counts each outcome once and reports latency percentiles; close() finishes in-flight requests', async () => {
    const s = await setup({ body: 'ok', delayMs: 100 }, { body: 'ok' });
    const finals: boolean[] = [];
    s.proxy.events.on('stats', (_snapshot, final) => finals.push(final));
    try {
      const pending = send(s.url);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const closed = s.proxy.close();
      const res = await pending;
      expect(res.status).toBe(200);
      const snapshot = await closed;
      expect(snapshot.requests).toBe(1);
      expect(snapshot.outcomes).toEqual({
        equal: 1,
        diff: 0,
        shadow_error: 0,
        shadow_timeout: 0,
        skipped: 0,
        dropped_overload: 0,
        primary_error: 0,
      });
      expect(snapshot.latencyMs.master.p50).toBeGreaterThanOrEqual(90);
      expect(snapshot.latencyMs.shadows.candidate?.count).toBe(1);
      expect(finals).toEqual([true]);
    } finally {
      await s.close();
    }
  });

  it('a shadow that resets the connection ends as shadow_error', async () => {
    const s = await setup({ body: 'ok' }, { destroy: true });
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      expect(s.proxy.stats().outcomes.shadow_error).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe('access log', () => {
  it('accessLog writes one line per request through @traffic/http-logger', async () => {
    const lines: string[] = [];
    const s = await setup({ body: 'ok' }, { body: 'ok' }, { accessLog: { sink: (line: string) => lines.push(line) } });
    try {
      await send(s.url, { path: '/logged' });
      await outcomesAtLeast(s.proxy, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ url: '/logged', status: 200 });
    } finally {
      await s.close();
    }
  });
});
