import { createHash } from 'node:crypto';
import type { TestHttpServer } from '@traffic/core/testing';
import { closedPort, startHttpServer, waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventProxy } from '../src/index.js';
import { rawExchange, send, startProxy } from './helpers.js';

const upstreams: TestHttpServer[] = [];
let proxy: EventProxy | undefined;

afterEach(async () => {
  await proxy?.close(100);
  proxy = undefined;
  for (const upstream of upstreams.splice(0)) await upstream.close();
});

async function upstreamWith(...args: Parameters<typeof startHttpServer>): Promise<TestHttpServer> {
  const upstream = await startHttpServer(...args);
  upstreams.push(upstream);
  return upstream;
}

function rawHeaderNames(raw: string[]): string[] {
  return raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
}

// Every behaviour below must hold on both paths: without listeners (fast path) and with one.
for (const mode of ['fast path', 'with listeners'] as const) {
  describe(`proxying (${mode})`, () => {
    async function start(upstream: string | string[], options = {}) {
      const started = await startProxy(upstream, options);
      proxy = started.proxy;
      if (mode === 'with listeners') {
        proxy.on('transaction.started', () => {});
      }
      return started;
    }

    it('strips hop-by-hop request headers, including those named by Connection', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { url } = await start(upstream.url);
      const reply = await send(`${url}/h`, {
        headers: {
          connection: 'x-secret, keep-alive',
          'x-secret': 'do-not-forward',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic abc',
          te: 'trailers',
          'x-kept': 'yes',
        },
      });
      expect(reply.status).toBe(200);
      const names = rawHeaderNames(upstream.requests[0]?.rawHeaders ?? []);
      expect(names).toContain('x-kept');
      expect(names).not.toContain('x-secret');
      expect(names).not.toContain('proxy-authorization');
      expect(names).not.toContain('te');
      expect(upstream.requests[0]?.headers['keep-alive']).toBeUndefined();
    });

    it('strips hop-by-hop response headers, including those named by Connection', async () => {
      const upstream = await upstreamWith({
        body: 'ok',
        headers: { connection: 'x-internal', 'x-internal': 'secret', 'x-public': 'visible' },
      });
      const { url } = await start(upstream.url);
      const reply = await send(`${url}/h`);
      expect(reply.headers['x-public']).toBe('visible');
      expect(reply.headers['x-internal']).toBeUndefined();
    });

    it('adds X-Forwarded-For (appended), -Proto and -Host', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { url, port } = await start(upstream.url);
      await send(`${url}/f`, { headers: { 'x-forwarded-for': '203.0.113.7', host: `example.test:${port}` } });
      const headers = upstream.requests[0]?.headers ?? {};
      expect(headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe(`example.test:${port}`);
      expect(headers.host).toBe(`example.test:${port}`);
    });

    it('GET //evil.example/x stays on the configured upstream as a path', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { port } = await start(upstream.url);
      const answer = await rawExchange(
        port,
        'GET //evil.example/x?q=1 HTTP/1.1\r\nHost: proxy.test\r\nConnection: close\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(upstream.requests.map((request) => request.url)).toEqual(['//evil.example/x?q=1']);
    });

    it('an absolute-form target keeps only its path and query', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { port } = await start(upstream.url);
      const answer = await rawExchange(
        port,
        'GET http://evil.example/y?z=2 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(upstream.requests.map((request) => request.url)).toEqual(['/y?z=2']);
    });

    it('joins the request path to the upstream base path', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { url } = await start(`${upstream.url}/api/`);
      await send(`${url}/users?id=3`);
      expect(upstream.requests[0]?.url).toBe('/api/users?id=3');
    });

    it('round-robins over several upstreams', async () => {
      const a = await upstreamWith({ body: 'a' });
      const b = await upstreamWith({ body: 'b' });
      const { url } = await start([a.url, b.url]);
      const bodies: string[] = [];
      for (let i = 0; i < 4; i++) bodies.push((await send(`${url}/${i}`)).body.toString());
      expect(bodies).toEqual(['a', 'b', 'a', 'b']);
      expect(a.requests.map((request) => request.url)).toEqual(['/0', '/2']);
      expect(b.requests.map((request) => request.url)).toEqual(['/1', '/3']);
    });

    it('streams a request body to the upstream unchanged', async () => {
      const upstream = await upstreamWith({ body: 'stored' });
      const { url } = await start(upstream.url);
      const body = Buffer.alloc(2 * 1024 * 1024, 'abcdefgh');
      const reply = await send(`${url}/upload`, { method: 'POST', body });
      expect(reply.status).toBe(200);
      expect(upstream.requests[0]?.bodyBytes).toBe(body.length);
      expect(upstream.requests[0]?.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    });

    it('streams a chunked request body (no Content-Length)', async () => {
      const upstream = await upstreamWith({ body: 'stored' });
      const { port } = await start(upstream.url);
      const answer = await rawExchange(
        port,
        'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(upstream.requests[0]?.body.toString()).toBe('hello world');
    });

    it('upstream refusing connections → 502 with the error code', async () => {
      const port = await closedPort();
      const { url } = await start(`http://127.0.0.1:${port}`);
      const reply = await send(`${url}/`);
      expect(reply.status).toBe(502);
      expect(reply.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_ERROR');
      expect(reply.body.toString()).not.toContain(String(port));
      expect(proxy?.stats().outcomes.upstream_error).toBe(1);
    });

    it('upstream destroying the socket → 502', async () => {
      const upstream = await upstreamWith({ destroy: true });
      const { url } = await start(upstream.url);
      expect((await send(`${url}/`)).status).toBe(502);
    });

    it('headers timeout → 504', async () => {
      const upstream = await upstreamWith({ hang: true });
      const { url } = await start(upstream.url, { headersTimeoutMs: 200 });
      const reply = await send(`${url}/`);
      expect(reply.status).toBe(504);
      expect(proxy?.stats().outcomes.timeout).toBe(1);
    });

    it('body timeout after the head was sent cuts the client connection', async () => {
      const upstream = await upstreamWith({ chunks: ['a', 'b'], chunkIntervalMs: 1500 });
      const { url } = await start(upstream.url, { bodyTimeoutMs: 200 });
      await expect(send(`${url}/`)).rejects.toThrow();
      await waitUntil(() => proxy?.stats().outcomes.timeout === 1, 'timeout outcome');
      expect(proxy?.stats().outcomes.client_aborted).toBe(0);
    });

    it('a bad request target is answered 400', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { port } = await start(upstream.url);
      const answer = await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain('TRAFFIC_ERR_EVENT_PROXY_BAD_TARGET');
      expect(upstream.requests).toHaveLength(0);
    });

    it('HEAD and 304 answers pass through without a body', async () => {
      const upstream = await upstreamWith((request) =>
        request.url === '/cached' ? { status: 304, headers: { etag: '"v1"' } } : { body: 'a body of 18 bytes' },
      );
      const { url } = await start(upstream.url);
      const head = await send(`${url}/h`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('18');
      expect(head.body.length).toBe(0);
      const cached = await send(`${url}/cached`, { headers: { 'if-none-match': '"v1"' } });
      expect(cached.status).toBe(304);
      expect(cached.headers.etag).toBe('"v1"');
      expect(cached.body.length).toBe(0);
      // The keep-alive connection to the upstream is still usable afterwards.
      expect((await send(`${url}/again`)).body.toString()).toBe('a body of 18 bytes');
    });

    it('keeps connections to the upstream alive', async () => {
      const upstream = await upstreamWith({ body: 'ok' });
      const { url } = await start(upstream.url);
      for (let i = 0; i < 5; i++) await send(`${url}/${i}`);
      expect(upstream.connections).toBe(1);
    });
  });
}

describe('bodies on demand', () => {
  it('request body over the filter limit → 413 and the upstream is not called', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.request', async (event) => {
      await event.body({ limit: 10 });
    });
    const reply = await send(`${started.url}/big`, { method: 'POST', body: 'x'.repeat(100) });
    expect(reply.status).toBe(413);
    expect(reply.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_REQUEST_BODY_TOO_LARGE');
    expect(upstream.requests).toHaveLength(0);
    expect(proxy.stats().outcomes.rejected).toBe(1);
  });

  it('413 even when the listener catches the rejection', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.request', async (event) => {
      await event.body({ limit: 10 }).catch(() => undefined);
    });
    const reply = await send(`${started.url}/big`, { method: 'POST', body: 'x'.repeat(100) });
    expect(reply.status).toBe(413);
  });

  it('request body within the limit can be read and rewritten', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.request', async (event) => {
      const body = await event.body({ limit: 1000 });
      event.request.body = body.toString().toUpperCase();
    });
    await send(`${started.url}/up`, { method: 'POST', body: 'hello' });
    expect(upstream.requests[0]?.body.toString()).toBe('HELLO');
    expect(upstream.requests[0]?.headers['content-length']).toBe('5');
  });

  it('response body over the filter limit → 502', async () => {
    const upstream = await upstreamWith({ body: 'y'.repeat(1000) });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.response', async (event) => {
      await event.body({ limit: 100 });
    });
    const reply = await send(`${started.url}/big`);
    expect(reply.status).toBe(502);
    expect(reply.headers['x-traffic-error']).toBe('TRAFFIC_ERR_EVENT_PROXY_RESPONSE_BODY_TOO_LARGE');
    // The proxy keeps serving.
    upstream.setScript({ body: 'small' });
    expect((await send(`${started.url}/small`)).body.toString()).toBe('small');
  });

  it('response filter may replace status, headers and body; Content-Length follows', async () => {
    const upstream = await upstreamWith({ body: '{"n":1}', headers: { 'content-type': 'application/json' } });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.response', async (event) => {
      const response = event.response;
      if (response === undefined) return;
      const json = JSON.parse((await event.body({ limit: 1000 })).toString()) as { n: number };
      response.status = 201;
      response.headers['x-rewritten'] = 'yes';
      response.body = JSON.stringify({ n: json.n + 1, extra: true });
    });
    const reply = await send(`${started.url}/j`);
    expect(reply.status).toBe(201);
    expect(reply.headers['x-rewritten']).toBe('yes');
    expect(JSON.parse(reply.body.toString())).toEqual({ n: 2, extra: true });
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
  });

  it('replacing the body without reading it drains the upstream and keeps its connection', async () => {
    const upstream = await upstreamWith({ body: 'z'.repeat(200_000) });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('filter.response', (event) => {
      if (event.response) event.response.body = 'short';
    });
    for (let i = 0; i < 3; i++) expect((await send(`${started.url}/${i}`)).body.toString()).toBe('short');
    expect(upstream.connections).toBe(1);
  });

  it('client.filter.request may rewrite what is sent upstream', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    proxy.on('client.filter.request', (event) => {
      event.request.url = `/v2${event.request.url}`;
      event.request.headers['x-api-key'] = 'k';
    });
    await send(`${started.url}/items`);
    expect(upstream.requests[0]?.url).toBe('/v2/items');
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('k');
  });

  it('changeOrigin sends the upstream host', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url, { changeOrigin: true });
    proxy = started.proxy;
    await send(`${started.url}/`);
    expect(upstream.requests[0]?.headers.host).toBe(new URL(upstream.url).host);
  });
});

describe('malformed requests', () => {
  it('are answered 400, counted, and the proxy keeps serving', async () => {
    const upstream = await upstreamWith({ body: 'ok' });
    const started = await startProxy(upstream.url);
    proxy = started.proxy;
    const answer = await rawExchange(started.port, 'GET / HTTP/1.1\r\nBad Header Line\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(proxy.stats().clientErrors).toBe(1);
    expect(upstream.requests).toHaveLength(0);
    expect((await send(`${started.url}/after`)).status).toBe(200);
  });
});
