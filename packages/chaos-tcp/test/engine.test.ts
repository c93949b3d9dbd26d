import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { closedPort, startHalfClosePeer, startTcpEchoServer, waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosProxy, createChaosProxy } from '../src/index.js';
import { client, lineServer } from './helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length;
}

async function proxyTo(port: number, extra: Record<string, unknown> = {}): Promise<ChaosProxy> {
  const proxy = createChaosProxy({ upstream: `127.0.0.1:${port}`, seed: 1, ...extra });
  await proxy.listen();
  cleanup.push(() => proxy.close());
  return proxy;
}

describe('engine', () => {
  it('pipes bytes both ways unchanged (no faults)', async () => {
    const echo = await startTcpEchoServer();
    cleanup.push(() => echo.close());
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy.address!.port);
    const payload = Buffer.alloc(256 * 1024, 7);
    c.socket.write(payload);
    expect((await c.waitFor(payload.length)).equals(payload)).toBe(true);
    c.socket.end();
    expect(await c.closed).toBe('close');
    await waitUntil(() => proxy.connections === 0, 'connections closed');
  });

  it('keeps downstream bytes intact when the client reads slowly (reused read buffer under backpressure)', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const server = await lineServer(() => {});
    cleanup.push(() => server.close());
    server.server.on('connection', (socket) => socket.end(data));
    const proxy = await proxyTo(server.port);
    const c = await client(proxy.address!.port);
    c.socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 150));
    c.socket.resume();
    await c.ended;
    expect(createHash('sha256').update(c.received()).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
    c.socket.destroy();
  });

  it('keeps a half-closed connection open: the reply after the client FIN arrives', async () => {
    const peer = await startHalfClosePeer();
    cleanup.push(() => peer.close());
    const proxy = await proxyTo(peer.port);
    const c = await client(proxy.address!.port);
    c.socket.end('hello world');
    await c.ended;
    expect(c.received().toString()).toBe('got 11 bytes');
    await c.closed;
    await waitUntil(() => proxy.connections === 0 && peer.open === 0, 'both sides closed');
  });

  it('keeps half-close working with a toxic in the path', async () => {
    const peer = await startHalfClosePeer();
    cleanup.push(() => peer.close());
    const proxy = await proxyTo(peer.port, { toxics: [{ type: 'latency', attributes: { latency: 5 } }] });
    const c = await client(proxy.address!.port);
    c.socket.end('abc');
    await c.ended;
    expect(c.received().toString()).toBe('got 3 bytes');
  });

  it('resets the client when the upstream refuses, without leaking', async () => {
    const port = await closedPort();
    const proxy = await proxyTo(port);
    for (let i = 0; i < 20; i++) {
      const c = await client(proxy.address!.port);
      expect(await c.closed).toBe('ECONNRESET');
    }
    await waitUntil(() => proxy.connections === 0, 'no open connections');
    expect(proxy.stats().upstreamErrors).toBe(20);
  });

  it('mirrors an upstream RST to the client', async () => {
    const server = await lineServer((socket) => socket.resetAndDestroy());
    cleanup.push(() => server.close());
    const proxy = await proxyTo(server.port);
    const c = await client(proxy.address!.port);
    c.socket.write('x');
    expect(await c.closed).toBe('ECONNRESET');
    await waitUntil(() => proxy.connections === 0, 'no open connections');
  });

  it('mirrors a client RST to the upstream', async () => {
    let upstreamError = '';
    let received = false;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        upstreamError = error.code ?? '';
      });
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', () => {
        received = true;
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const proxy = await proxyTo((server.address() as AddressInfo).port);
    const c = await client(proxy.address!.port);
    c.socket.write('x');
    // Reset once the proxy is piping (an RST that lands before the proxy reads at all reaches it as
    // a plain EOF from the kernel, and is forwarded as a FIN).
    await waitUntil(() => received, 'upstream got the first byte');
    c.socket.resetAndDestroy();
    await waitUntil(() => upstreamError === 'ECONNRESET', 'upstream sees RST');
    await waitUntil(() => proxy.connections === 0 && sockets.size === 0, 'no open connections');
  });

  it('cleans up when clients vanish mid-stream (plain and managed paths)', async () => {
    const echo = await startTcpEchoServer();
    const baseline = tcpHandles() + 3; // + the three proxies' listeners
    cleanup.push(() => echo.close());
    for (const extra of [
      {},
      { toxics: [{ type: 'latency', attributes: { latency: 1 } }] },
      { behavior: '50:delay', behaviorOptions: { delay: { sleep: 0.001 } } },
    ]) {
      const proxy = await proxyTo(echo.port, extra);
      for (let i = 0; i < 10; i++) {
        const c = await client(proxy.address!.port);
        c.socket.write(Buffer.alloc(512 * 1024, 1));
        await c.waitFor(1);
        c.socket.destroy();
      }
      await waitUntil(() => proxy.connections === 0, `proxy connections back to 0 (${JSON.stringify(extra)})`);
    }
    await waitUntil(() => echo.open === 0, 'upstream sockets back to 0');
    // And the process holds no more TCP handles than before (the echo server's listener aside).
    await waitUntil(() => tcpHandles() <= baseline, `TCP handles back to ${baseline} (now ${tcpHandles()})`);
  });

  it('dials upstreams in parallel with a connect timeout: a hanging upstream never blocks accepts', async () => {
    // A listener in a stopped process with a full accept queue: further SYNs get no answer, so
    // connect() hangs (loopback only, no blackhole address needed).
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanup.push(async () => {
      child.kill('SIGKILL');
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const port = Number(line.toString().trim());
    child.kill('SIGSTOP');
    const fillers = Array.from({ length: 4 }, () => connect({ port, host: '127.0.0.1' }).on('error', () => {}));
    cleanup.push(async () => {
      for (const socket of fillers) socket.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const proxy = await proxyTo(port, { connectTimeoutMs: 300 });
    const start = Date.now();
    const clients = await Promise.all(Array.from({ length: 20 }, () => client(proxy.address!.port)));
    // Every client was accepted at once although no upstream answered.
    expect(Date.now() - start).toBeLessThan(250);
    const outcomes = await Promise.all(clients.map((c) => c.closed));
    // 20 dials of 300 ms each took about 300 ms in total, not 6 s: they ran in parallel and timed out.
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
    expect(Date.now() - start).toBeLessThan(3000);
    expect(outcomes.every((code) => code === 'ECONNRESET')).toBe(true);
    expect(proxy.stats().upstreamErrors).toBe(20);
    await waitUntil(() => proxy.connections === 0, 'closed');
  });

  it('refuses connections when disabled and serves again when enabled', async () => {
    const echo = await startTcpEchoServer();
    cleanup.push(() => echo.close());
    const proxy = await proxyTo(echo.port);
    const port = proxy.address!.port;
    const open = await client(port);
    await proxy.setEnabled(false);
    await Promise.race([open.ended, open.closed]);
    open.socket.destroy();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
    await proxy.setEnabled(true);
    expect(proxy.address!.port).toBe(port);
    const c = await client(port);
    c.socket.write('again');
    expect((await c.waitFor(5)).toString()).toBe('again');
    c.socket.destroy();
  });

  it('rejects bad options with a clear error', () => {
    expect(() => createChaosProxy({ upstream: 'nope' })).toThrow(/chaos.upstream/);
    expect(() => createChaosProxy({ upstream: '127.0.0.1:1', protocol: 'smtp' as never })).toThrow(
      /tcp, http, redis, memcache/,
    );
    expect(() => createChaosProxy({ upstream: '127.0.0.1:1', behavior: '60:delay,50:error' })).toThrow(/exceed 100/);
    expect(() => createChaosProxy({ upstream: '127.0.0.1:1', behavior: '10:explode' })).toThrow(
      /unknown behavior "explode"/,
    );
    expect(() => createChaosProxy({ upstream: '127.0.0.1:1', colour: 1 } as never)).toThrow(/chaos.colour/);
  });
});
