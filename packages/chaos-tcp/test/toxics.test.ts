import { performance } from 'node:perf_hooks';
import { startTcpEchoServer, type TestTcpServer, waitUntil } from '@traffic/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosProxy, createChaosProxy } from '../src/index.js';
import { client, median, roundTrip } from './helpers.js';

let echo: TestTcpServer;
const cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  echo = await startTcpEchoServer();
});
afterAll(() => echo.close());
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function proxy(toxics: unknown[] = [], seed = 7): Promise<ChaosProxy> {
  const p = createChaosProxy({ upstream: `127.0.0.1:${echo.port}`, seed, toxics });
  await p.listen();
  cleanup.push(() => p.close());
  return p;
}

async function rtts(port: number, count: number): Promise<number[]> {
  const c = await client(port);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await roundTrip(c, Buffer.from('ping')));
  c.socket.destroy();
  return out;
}

describe('toxics', () => {
  // The two tight timing checks may retry: the test machine's 2 cores are shared with other
  // builds, and a descheduled process makes any single sample late.
  it('latency 50 ms adds 50 ms to the p50 (within +3 ms of a same-run baseline)', { retry: 2 }, async () => {
    const plain = await proxy();
    const slow = await proxy([{ type: 'latency', attributes: { latency: 50 } }]);
    const a = await client(plain.address!.port);
    const b = await client(slow.address!.port);
    // Interleaved, so machine load hits the baseline and the toxic path alike.
    const base: number[] = [];
    const withLatency: number[] = [];
    for (let i = 0; i < 25; i++) {
      base.push(await roundTrip(a, Buffer.from('ping')));
      withLatency.push(await roundTrip(b, Buffer.from('ping')));
    }
    a.socket.destroy();
    b.socket.destroy();
    const added = median(withLatency) - median(base);
    expect(added).toBeGreaterThanOrEqual(49.5);
    expect(added).toBeLessThanOrEqual(53);
  });

  it('jitter spreads the latency inside latency ± jitter', async () => {
    const p = await proxy([{ type: 'latency', attributes: { latency: 30, jitter: 20 } }]);
    const values = await rtts(p.address!.port, 20);
    // Never below latency - jitter; the median near latency (machine load only adds time); spread seen.
    expect(Math.min(...values)).toBeGreaterThanOrEqual(9.5);
    expect(median(values)).toBeLessThan(60);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(5);
  });

  it('upstream latency delays the request, not the echo path twice', async () => {
    const p = await proxy([{ type: 'latency', stream: 'upstream', attributes: { latency: 40 } }]);
    const value = median(await rtts(p.address!.port, 5));
    expect(value).toBeGreaterThanOrEqual(39.5);
    expect(value).toBeLessThan(75);
  });

  it('bandwidth holds the rate within ±2% over more than a second', { retry: 2 }, async () => {
    const rate = 200; // KB/s
    const bytes = 500_000; // 2.5 s at 200 KB/s
    const p = await proxy([{ type: 'bandwidth', attributes: { rate } }]);
    const c = await client(p.address!.port);
    // Rate as the client sees it: bytes after the first arrival over the time since that arrival.
    let first = 0;
    let firstBytes = 0;
    c.socket.once('data', (chunk: Buffer) => {
      first = performance.now();
      firstBytes = chunk.length;
    });
    c.socket.write(Buffer.alloc(bytes, 1));
    await c.waitFor(bytes, 10_000);
    const seconds = (performance.now() - first) / 1000;
    const measured = (bytes - firstBytes) / 1000 / seconds;
    expect(seconds).toBeGreaterThan(1);
    expect(Math.abs(measured - rate) / rate).toBeLessThanOrEqual(0.02);
    c.socket.destroy();
  });

  it('slow_close delays the FIN, not the data', async () => {
    const p = await proxy([{ type: 'slow_close', attributes: { delay: 300 } }]);
    const c = await client(p.address!.port);
    const start = performance.now();
    c.socket.end('bye');
    await c.waitFor(3);
    const dataAt = performance.now() - start;
    await c.ended;
    const endAt = performance.now() - start;
    expect(dataAt).toBeLessThan(250);
    expect(endAt).toBeGreaterThanOrEqual(295);
  });

  it('timeout stops data and closes the connection after the timeout', async () => {
    const p = await proxy([{ type: 'timeout', attributes: { timeout: 150 } }]);
    const c = await client(p.address!.port);
    const start = performance.now();
    c.socket.write('lost');
    await Promise.race([c.ended, c.closed]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(c.received().length).toBe(0);
    c.socket.destroy();
    await waitUntil(() => p.connections === 0, 'closed');
  });

  it('timeout 0 holds data until the toxic is removed, then it flows', async () => {
    const p = await proxy([{ type: 'timeout', attributes: { timeout: 0 } }]);
    const c = await client(p.address!.port);
    c.socket.write('held');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(c.received().length).toBe(0);
    p.removeToxic('timeout_downstream');
    expect((await c.waitFor(4)).toString()).toBe('held');
    c.socket.destroy();
  });

  it('reset_peer closes the client with RST (ECONNRESET)', async () => {
    const p = await proxy([{ type: 'reset_peer', attributes: { timeout: 50 } }]);
    const c = await client(p.address!.port);
    c.socket.write('hello');
    expect(await c.closed).toBe('ECONNRESET');
    await waitUntil(() => p.connections === 0, 'closed');
  });

  it('slicer cuts data into small pieces, bytes intact', async () => {
    const p = await proxy([{ type: 'slicer', attributes: { average_size: 10, size_variation: 5, delay: 1000 } }]);
    const c = await client(p.address!.port);
    let events = 0;
    c.socket.on('data', () => events++);
    const payload = Buffer.from('x'.repeat(200));
    c.socket.write(payload);
    expect((await c.waitFor(200)).equals(payload)).toBe(true);
    expect(events).toBeGreaterThan(5);
    c.socket.destroy();
  });

  it('limit_data passes exactly N bytes, then closes', async () => {
    const p = await proxy([{ type: 'limit_data', attributes: { bytes: 100 } }]);
    const c = await client(p.address!.port);
    c.socket.write(Buffer.alloc(150, 2));
    await Promise.race([c.ended, c.closed]);
    expect(c.received().length).toBe(100);
    c.socket.destroy();
  });

  it('toxicity 0 never applies; toxicity is rolled once per connection and kept when other toxics change', async () => {
    const p = await proxy([{ type: 'latency', toxicity: 0, attributes: { latency: 200 } }]);
    expect(median(await rtts(p.address!.port, 3))).toBeLessThan(100);
    p.updateToxic('latency_downstream', { toxicity: 0.5 });
    // Over 40 connections about half are slowed; each keeps its decision when a second toxic comes and goes.
    const slowed: boolean[] = [];
    const clients = [];
    for (let i = 0; i < 40; i++) {
      const c = await client(p.address!.port);
      clients.push(c);
      slowed.push((await roundTrip(c, Buffer.from('a'))) > 150);
    }
    expect(slowed.filter(Boolean).length).toBeGreaterThan(8);
    expect(slowed.filter(Boolean).length).toBeLessThan(32);
    p.addToxic({ name: 'other', type: 'latency', stream: 'upstream', attributes: { latency: 1 } });
    p.removeToxic('other');
    for (let i = 0; i < 40; i += 4) expect((await roundTrip(clients[i]!, Buffer.from('b'))) > 150).toBe(slowed[i]);
    for (const c of clients) c.socket.destroy();
  });

  it('applies a toxic added while a connection is open (pipe switches to managed)', async () => {
    const p = await proxy();
    const c = await client(p.address!.port);
    expect(await roundTrip(c, Buffer.from('x'))).toBeLessThan(149);
    p.addToxic({ type: 'latency', attributes: { latency: 150 } });
    expect(await roundTrip(c, Buffer.from('y'))).toBeGreaterThanOrEqual(149);
    expect(c.received().toString()).toBe('xy');
    c.socket.destroy();
  });

  it('pushes back on a fast sender instead of queueing without bound (bandwidth on the upstream stream)', async () => {
    const p = await proxy([{ type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } }]);
    const c = await client(p.address!.port);
    c.socket.write(Buffer.alloc(32 * 1024 * 1024, 3));
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The proxy read at most its 1 MiB high-water mark plus socket buffers; the rest waits in the client.
    expect(c.socket.writableLength).toBeGreaterThan(20 * 1024 * 1024);
    c.socket.destroy();
    await waitUntil(() => p.connections === 0, 'closed');
  });

  it('rejects bad attributes with a message instead of crashing or stalling', async () => {
    const p = await proxy();
    const bad: [unknown, RegExp][] = [
      [{ type: 'bandwidth', attributes: { rate: 0 } }, /rate is 0 \(allowed: an integer from 1/],
      [{ type: 'bandwidth', attributes: { rate: -5 } }, /rate is -5/],
      [{ type: 'latency', attributes: { latency: 'slow' } }, /latency is "slow"/],
      [{ type: 'latency', attributes: { latency: -1 } }, /latency is -1/],
      [{ type: 'slicer', attributes: { average_size: 0 } }, /average_size/],
      [{ type: 'slicer', attributes: { average_size: 10, size_variation: 10 } }, /smaller than average_size/],
      [{ type: 'latency', attributes: { wobble: 1 } }, /unknown attribute "wobble"/],
      [{ type: 'latency', stream: 'sideways' }, /allowed: upstream, downstream/],
      [{ type: 'explode' }, /invalid toxic type "explode"/],
      [{ type: 'latency', toxicity: 2 }, /toxicity is 2/],
      [{ type: 'limit_data' }, /bytes is required/],
    ];
    for (const [body, message] of bad) expect(() => p.addToxic(body)).toThrow(message);
    expect(p.toxics.length).toBe(0);
    p.addToxic({ type: 'latency', attributes: { latency: 5 } });
    expect(() => p.updateToxic('latency_downstream', { attributes: { jitter: -3 } })).toThrow(/jitter is -3/);
    expect(p.getToxic('latency_downstream').attributes).toEqual({ latency: 5, jitter: 0 });
    const c = await client(p.address!.port);
    c.socket.write('still works');
    expect((await c.waitFor(11)).toString()).toBe('still works');
    c.socket.destroy();
  });
});
