import { startTcpEchoServer, type TestTcpServer } from '@traffic/core/testing';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createToxiproxyServer, type ToxiproxyServer } from '../src/index.js';
import { client, median, roundTrip } from './helpers.js';

let echo: TestTcpServer;
let server: ToxiproxyServer;

beforeEach(async () => {
  echo = await startTcpEchoServer();
  server = createToxiproxyServer({ listen: '127.0.0.1:0', seed: 3 });
  await server.listen();
});
afterEach(async () => {
  await server.close();
  await echo.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : JSON.parse(text),
    type: res.headers.get('content-type'),
  };
}

describe('Toxiproxy-compatible API driven by toxiproxy-node-client', () => {
  it('creates a proxy, adds/updates/removes toxics, disables, lists, populates and resets', async () => {
    const toxiproxy = new Toxiproxy(server.url);
    expect(JSON.parse(await toxiproxy.getVersion()).version).toMatch(/^\d+\.\d+\.\d+/);
    const proxy = await toxiproxy.createProxy({
      name: 'echo',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    expect(proxy.enabled).toBe(true);
    const port = Number(proxy.listen.split(':').pop());
    expect(port).toBeGreaterThan(0);

    const c = await client(port);
    const base = median([await roundTrip(c, Buffer.from('a')), await roundTrip(c, Buffer.from('b'))]);
    const toxic = await proxy.addToxic({
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 80, jitter: 0 },
    } as never);
    expect(toxic.name).toBe('latency_downstream');
    expect(toxic.attributes).toEqual({ latency: 80, jitter: 0 });
    expect(await roundTrip(c, Buffer.from('c'))).toBeGreaterThanOrEqual(79);
    const updated = await toxic.update({ attributes: { latency: 10 }, toxicity: 1 } as never);
    expect(updated.attributes).toEqual({ latency: 10, jitter: 0 });
    expect((await proxy.getToxic('latency_downstream')).attributes).toEqual({ latency: 10, jitter: 0 });
    await toxic.remove();
    expect(await roundTrip(c, Buffer.from('d'))).toBeLessThan(base + 40);
    c.socket.destroy();

    const all = await toxiproxy.getAll();
    expect(Object.keys(all)).toEqual(['echo']);
    expect((await toxiproxy.get('echo')).upstream).toBe(`127.0.0.1:${echo.port}`);

    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(down.enabled).toBe(false);
    await toxiproxy.reset();
    expect((await toxiproxy.get('echo')).enabled).toBe(true);

    const populated = await toxiproxy.populate([
      { name: 'echo', listen: proxy.listen, upstream: `127.0.0.1:${echo.port}`, enabled: true },
      { name: 'second', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, enabled: true },
    ]);
    expect(Object.keys(populated).sort()).toEqual(['echo', 'second']);
    await populated.second!.remove();
    expect(Object.keys(await toxiproxy.getAll())).toEqual(['echo']);
  });

  it('answers Toxiproxy status codes and {error,status} bodies', async () => {
    const created = await call('POST', '/proxies', { name: 'p', upstream: `127.0.0.1:${echo.port}` });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'p',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream: `127.0.0.1:${echo.port}`,
      enabled: true,
      toxics: [],
    });
    expect(await call('POST', '/proxies', { name: 'p', upstream: `127.0.0.1:${echo.port}` })).toMatchObject({
      status: 409,
      body: { error: 'proxy already exists', status: 409 },
    });
    expect(await call('GET', '/proxies/nope')).toMatchObject({
      status: 404,
      body: { error: 'proxy not found', status: 404 },
    });
    expect(await call('GET', '/proxies/p/toxics/nope')).toMatchObject({
      status: 404,
      body: { error: 'toxic not found' },
    });
    expect(await call('POST', '/proxies', { upstream: 'x:1' })).toMatchObject({ status: 400, body: { status: 400 } });
    expect(await call('POST', '/proxies', '{not json')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^bad request body/) },
    });
    const toxic = await call('POST', '/proxies/p/toxics', { type: 'bandwidth', attributes: { rate: 100 } });
    expect(toxic).toMatchObject({
      status: 200,
      body: {
        name: 'bandwidth_downstream',
        type: 'bandwidth',
        stream: 'downstream',
        toxicity: 1,
        attributes: { rate: 100 },
      },
    });
    expect(await call('POST', '/proxies/p/toxics', { type: 'bandwidth', attributes: { rate: 100 } })).toMatchObject({
      status: 409,
    });
    for (const bad of [
      { type: 'bandwidth', name: 'b2', attributes: { rate: 0 } },
      { type: 'bandwidth', name: 'b3', attributes: { rate: -1 } },
      { type: 'latency', attributes: { latency: '5' } },
      { type: 'nope' },
    ]) {
      const res = await call('POST', '/proxies/p/toxics', bad);
      expect(res.status).toBe(400);
      expect(res.body.error.length).toBeGreaterThan(10);
    }
    expect((await call('GET', '/proxies/p/toxics')).body).toHaveLength(1);
    expect((await call('DELETE', '/proxies/p/toxics/bandwidth_downstream')).status).toBe(204);
    expect((await call('GET', '/proxies')).body.p.toxics).toEqual([]);
    expect((await call('POST', '/reset')).status).toBe(204);
    expect((await call('DELETE', '/proxies/p')).status).toBe(204);
    expect((await call('DELETE', '/proxies/p')).status).toBe(404);
    const bad = await call('POST', '/populate', [{ name: 'ok', upstream: `127.0.0.1:${echo.port}` }, { name: 'bad' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/upstream/);
    const browser = await fetch(`${server.url}/proxies`, { headers: { 'user-agent': 'Mozilla/5.0' } });
    expect(browser.status).toBe(403);
  });

  it('reads and sets the behaviour mix at runtime, and exposes metrics', async () => {
    await call('POST', '/proxies', { name: 'v', upstream: `127.0.0.1:${echo.port}` });
    expect((await call('GET', '/proxies/v/behavior')).body).toEqual({ behavior: '', behaviors: [] });
    const set = await call('POST', '/proxies/v/behavior', { behavior: '100:error' });
    expect(set.status).toBe(200);
    expect(set.body.behavior).toBe('100:error');
    expect((await call('POST', '/proxies/v/behavior', { behavior: '70:error,40:delay' })).status).toBe(400);
    const port = Number(server.get('v').listenAddress.split(':').pop());
    const c = await client(port);
    c.socket.write('x');
    await c.waitFor(16);
    c.socket.destroy();
    const metrics = await fetch(`${server.url}/metrics`).then((res) => res.text());
    expect(metrics).toMatch(/chaos_proxy_connections_total\{proxy="v"\} 1/);
    expect(metrics).toMatch(/chaos_proxy_faults_total\{proxy="v",behavior="error"\} 1/);
  });
});
