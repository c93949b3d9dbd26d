import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestHttpServer } from '@traffic/core/testing';
import { closedPort, startHttpServer, waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventProxy, TransactionEndedEvent } from '../src/index.js';
import { recordOrder, send, startProxy } from './helpers.js';

let upstream: TestHttpServer | undefined;
let proxy: EventProxy | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await proxy?.close(100);
  await upstream?.close();
  for (const close of closers.splice(0)) await close();
  proxy = undefined;
  upstream = undefined;
});

function countEnded(target: EventProxy): TransactionEndedEvent[] {
  const ended: TransactionEndedEvent[] = [];
  target.on('transaction.ended', (event) => {
    ended.push(event);
  });
  return ended;
}

describe('event order and transaction.ended', () => {
  it('ok: every hook in lifecycle order, ended once with timings', async () => {
    upstream = await startHttpServer({ status: 200, body: 'hello' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    const reply = await send(`${started.url}/a`);
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('hello');
    await waitUntil(() => ended.length === 1, 'ended');
    expect(order).toEqual([
      'started',
      'filter.request',
      'client.filter.request',
      'message:request',
      'client.filter.response',
      'filter.response',
      'message:response',
      'ended:ok',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toHaveLength(1);
    const [event] = ended;
    expect(event?.status).toBe(200);
    expect(event?.timings.totalMs).toBeGreaterThan(0);
    expect(event?.timings.upstreamMs).toBeGreaterThan(0);
    expect(event?.timings.firstByteMs).toBeLessThanOrEqual(event?.timings.totalMs ?? 0);
  });

  it('forged: the upstream records no request, the response filter still runs', async () => {
    upstream = await startHttpServer({ status: 200, body: 'from upstream' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    proxy.on('filter.request', (event) => {
      if (event.request.url === '/admin') event.response = { status: 403, headers: { 'x-rule': 'deny' }, body: 'no' };
    });
    proxy.on('filter.response', (event) => {
      if (event.response) event.response.headers['x-filtered'] = 'yes';
    });
    const reply = await send(`${started.url}/admin`);
    expect(reply.status).toBe(403);
    expect(reply.body.toString()).toBe('no');
    expect(reply.headers['x-rule']).toBe('deny');
    expect(reply.headers['x-filtered']).toBe('yes');
    await waitUntil(() => ended.length === 1, 'ended');
    expect(upstream.requests).toHaveLength(0);
    expect(order).toEqual([
      'started',
      'filter.request',
      'message:request',
      'filter.response',
      'message:response',
      'ended:forged',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toHaveLength(1);
  });

  it('upstream down: 502, message(error), ended once with upstream_error', async () => {
    const port = await closedPort();
    const started = await startProxy(`http://127.0.0.1:${port}`);
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    const reply = await send(`${started.url}/x`);
    expect(reply.status).toBe(502);
    expect(reply.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_ERROR');
    await waitUntil(() => ended.length === 1, 'ended');
    expect(order).toEqual([
      'started',
      'filter.request',
      'client.filter.request',
      'message:request',
      'message:error',
      'ended:upstream_error',
    ]);
    expect(ended[0]?.failure).toMatchObject({ code: 'TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_ERROR' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toHaveLength(1);
  });

  it('timeout: a hanging upstream gives 504 and ended once with timeout', async () => {
    upstream = await startHttpServer({ hang: true });
    const started = await startProxy(upstream.url, { headersTimeoutMs: 300 });
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    const before = Date.now();
    const reply = await send(`${started.url}/slow`);
    expect(reply.status).toBe(504);
    expect(Date.now() - before).toBeGreaterThanOrEqual(250);
    expect(reply.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_TIMEOUT');
    await waitUntil(() => ended.length === 1, 'ended');
    expect(order).toEqual([
      'started',
      'filter.request',
      'client.filter.request',
      'message:request',
      'message:error',
      'ended:timeout',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toHaveLength(1);
  });

  it('client abort: the upstream request is cancelled and ended fires once with client_aborted', async () => {
    let upstreamClosedEarly = false;
    const slow = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      const timer = setInterval(() => res.write('more\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        if (!res.writableFinished) upstreamClosedEarly = true;
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          slow.closeAllConnections();
          slow.close(() => resolve());
        }),
    );
    const started = await startProxy(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`);
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    await new Promise<void>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(`${started.url}/stream`, { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => {});
        req.end();
      }, reject);
    });
    await waitUntil(() => ended.length === 1, 'ended');
    await waitUntil(() => upstreamClosedEarly, 'upstream request cancelled');
    expect(order).toEqual([
      'started',
      'filter.request',
      'client.filter.request',
      'message:request',
      'client.filter.response',
      'filter.response',
      'message:response',
      'ended:client_aborted',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toHaveLength(1);
    expect(proxy.stats().outcomes.client_aborted).toBe(1);
  });

  it('client abort while a listener is still running: ended comes after that listener, once', async () => {
    upstream = await startHttpServer({ body: 'late' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const order = recordOrder(proxy);
    const ended = countEnded(proxy);
    let release: () => void = () => {};
    proxy.on('filter.request', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('filter.request done');
    });
    const { request } = await import('node:http');
    const req = request(`${started.url}/x`, { agent: false });
    req.on('error', () => {});
    req.end();
    await waitUntil(() => order.includes('filter.request'), 'filter.request');
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toHaveLength(0);
    release();
    await waitUntil(() => ended.length === 1, 'ended');
    expect(order).toEqual(['started', 'filter.request', 'filter.request done', 'ended:client_aborted']);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('listeners only on the request side and the end', () => {
  it('stream the response directly and still report ended once with timings', async () => {
    upstream = await startHttpServer({ chunks: ['one ', 'two ', 'three'], chunkIntervalMs: 30 });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const ended = countEnded(proxy);
    proxy.on('filter.request', (event) => {
      event.request.headers['x-rule'] = 'seen';
    });
    const reply = await send(`${started.url}/s`);
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('one two three');
    expect(upstream.requests[0]?.headers['x-rule']).toBe('seen');
    await waitUntil(() => ended.length === 1, 'ended');
    expect(ended[0]).toMatchObject({ outcome: 'ok', status: 200 });
    expect(ended[0]?.timings.upstreamMs).toBeGreaterThan(0);
    expect(ended[0]?.timings.firstByteMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toHaveLength(1);
  });

  it('an upstream that is down still ends once with upstream_error', async () => {
    const port = await closedPort();
    const started = await startProxy(`http://127.0.0.1:${port}`);
    proxy = started.proxy;
    const ended = countEnded(proxy);
    expect((await send(`${started.url}/x`)).status).toBe(502);
    await waitUntil(() => ended.length === 1, 'ended');
    expect(ended[0]?.outcome).toBe('upstream_error');
  });
});

describe('dispatch semantics', () => {
  it('stopPropagation in the request phase does not stop response listeners', async () => {
    upstream = await startHttpServer({ body: 'x' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const calls: string[] = [];
    proxy.on('filter.request', (event) => {
      calls.push('request-1');
      event.stopPropagation();
    });
    proxy.on('filter.request', () => {
      calls.push('request-2 (must not run)');
    });
    proxy.on('filter.response', () => {
      calls.push('response-1');
    });
    proxy.on('filter.response', () => {
      calls.push('response-2');
    });
    const reply = await send(`${started.url}/`);
    expect(reply.status).toBe(200);
    expect(calls).toEqual(['request-1', 'response-1', 'response-2']);
  });

  it('priorities: lower runs first, equal priority in registration order, async listeners awaited', async () => {
    upstream = await startHttpServer({ body: 'x' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const calls: string[] = [];
    proxy.on('filter.request', () => {
      calls.push('b');
    });
    proxy.on(
      'filter.request',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        calls.push('a');
      },
      { priority: -1 },
    );
    proxy.on('filter.request', () => {
      calls.push('c');
    });
    await send(`${started.url}/`);
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('a fresh event object per dispatch', async () => {
    upstream = await startHttpServer({ body: 'x' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const seen: object[] = [];
    for (const name of [
      'filter.request',
      'client.filter.request',
      'client.filter.response',
      'filter.response',
    ] as const) {
      proxy.on(name, (event) => {
        seen.push(event);
      });
    }
    await send(`${started.url}/`);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it('a throwing listener answers 500, emits error, and the next request is served', async () => {
    upstream = await startHttpServer({ body: 'fine' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const errors: Error[] = [];
    proxy.on('error', (error) => errors.push(error));
    const ended = countEnded(proxy);
    proxy.on('filter.request', (event) => {
      if (event.request.url === '/boom') throw new Error('listener bug');
    });
    const bad = await send(`${started.url}/boom`);
    expect(bad.status).toBe(500);
    expect(bad.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_LISTENER_FAILED');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'TRAFFIC_ERR_EVENT_PROXY_LISTENER_FAILED' });
    const good = await send(`${started.url}/fine`);
    expect(good.status).toBe(200);
    expect(good.body.toString()).toBe('fine');
    await waitUntil(() => ended.length === 2, 'two ended');
    expect(ended.map((event) => event.outcome)).toEqual(['listener_error', 'ok']);
    expect(upstream.requests.map((request) => request.url)).toEqual(['/fine']);
    expect(proxy.stats().listenerErrors).toBe(1);
  });

  it('a listener-made invalid status or header value answers 500 and the proxy keeps serving', async () => {
    upstream = await startHttpServer({ body: 'fine' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const errors: Error[] = [];
    proxy.on('error', (error) => errors.push(error));
    proxy.on('filter.response', (event) => {
      if (event.response === undefined) return;
      if (event.request.url === '/status') event.response.status = 42;
      if (event.request.url === '/header') event.response.headers['x-bad'] = 'line\r\nbreak';
    });
    const badStatus = await send(`${started.url}/status`);
    expect(badStatus.status).toBe(500);
    expect(badStatus.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_LISTENER_FAILED');
    const badHeader = await send(`${started.url}/header`);
    expect(badHeader.status).toBe(500);
    expect(errors).toHaveLength(2);
    expect((await send(`${started.url}/ok`)).body.toString()).toBe('fine');
    expect(proxy.stats().outcomes.listener_error).toBe(2);
  });

  it("listenerErrorPolicy 'continue' forwards the transaction as if the listener had returned", async () => {
    upstream = await startHttpServer({ body: 'fine' });
    const started = await startProxy(upstream.url, { listenerErrorPolicy: 'continue' });
    proxy = started.proxy;
    const errors: Error[] = [];
    proxy.on('error', (error) => errors.push(error));
    proxy.on('filter.response', () => {
      throw new Error('observer bug');
    });
    const reply = await send(`${started.url}/x`);
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('fine');
    expect(errors).toHaveLength(1);
  });

  it('a listener throwing in transaction.ended is reported and changes nothing', async () => {
    upstream = await startHttpServer({ body: 'fine' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const errors: Error[] = [];
    proxy.on('error', (error) => errors.push(error));
    proxy.on('transaction.ended', () => {
      throw new Error('late bug');
    });
    expect((await send(`${started.url}/1`)).status).toBe(200);
    expect((await send(`${started.url}/2`)).status).toBe(200);
    await waitUntil(() => errors.length === 2, 'two errors');
  });

  it('an unsubscribed listener stops running and the proxy returns to the fast path', async () => {
    upstream = await startHttpServer({ body: 'x' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    let calls = 0;
    const off = proxy.on('transaction.started', () => {
      calls++;
    });
    await send(`${started.url}/`);
    off();
    await send(`${started.url}/`);
    expect(calls).toBe(1);
    expect(proxy.stats().outcomes.ok).toBe(2);
  });
});
