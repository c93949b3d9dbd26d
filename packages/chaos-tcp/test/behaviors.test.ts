import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startHttpServer, startTcpEchoServer, waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosProxyOptions, createChaosProxy, type FaultEvent, loadBehaviorModule } from '../src/index.js';
import { client, lineServer, resp, respServer, roundTrip } from './helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function proxy(upstreamPort: number, options: Partial<ChaosProxyOptions>) {
  const p = createChaosProxy({ upstream: `127.0.0.1:${upstreamPort}`, seed: 5, ...options });
  const faults: FaultEvent[] = [];
  p.events.on('fault', (event) => faults.push(event));
  await p.listen();
  cleanup.push(() => p.close());
  return { p, port: p.address!.port, faults };
}

async function echo() {
  const server = await startTcpEchoServer();
  cleanup.push(() => server.close());
  return server;
}

describe('behaviours in tcp mode', () => {
  it('delay sleeps before the request, or before the response', async () => {
    const e = await echo();
    for (const before of [true, false]) {
      const { port } = await proxy(e.port, { behavior: 'delay', behaviorOptions: { delay: { sleep: 0.08, before } } });
      const c = await client(port);
      expect(await roundTrip(c, Buffer.from('x'))).toBeGreaterThanOrEqual(79);
      c.socket.destroy();
    }
  });

  it('error answers random bytes and forwards nothing', async () => {
    let upstreamBytes = 0;
    const server = await lineServer((_socket, data) => {
      upstreamBytes += data.length;
    });
    cleanup.push(() => server.close());
    const { port, faults } = await proxy(server.port, { behavior: 'error' });
    const c = await client(port);
    c.socket.write('hello');
    const answer = await c.waitFor(16);
    expect(answer.length).toBeGreaterThanOrEqual(16);
    expect(upstreamBytes).toBe(0);
    expect(faults[0]?.behavior).toBe('error');
    c.socket.destroy();
  });

  it('hang swallows the request and never answers, keeping the connection open', async () => {
    const e = await echo();
    const { p, port } = await proxy(e.port, { behavior: 'hang' });
    const c = await client(port);
    c.socket.write('anyone?');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(c.received().length).toBe(0);
    expect(c.socket.destroyed).toBe(false);
    expect(p.connections).toBe(1);
    c.socket.destroy();
    await waitUntil(() => p.connections === 0, 'closed');
  });

  it('blackout closes the client connection without forwarding', async () => {
    const e = await echo();
    const { port } = await proxy(e.port, { behavior: 'blackout' });
    const c = await client(port);
    c.socket.write('x');
    await Promise.race([c.ended, c.closed]);
    expect(c.received().length).toBe(0);
    c.socket.destroy();
  });

  it('transient fails the first stop_count calls, then passes', async () => {
    const e = await echo();
    const { port } = await proxy(e.port, { behavior: 'transient', behaviorOptions: { transient: { stop_count: 2 } } });
    const results: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await client(port);
      c.socket.write('ok');
      await Promise.race([c.waitFor(2), c.ended]);
      results.push(c.received().length);
      c.socket.destroy();
    }
    expect(results).toEqual([0, 0, 2, 2]);
  });

  it('abort resets the client (ECONNRESET)', async () => {
    const e = await echo();
    const { port } = await proxy(e.port, { behavior: 'abort' });
    const c = await client(port);
    c.socket.write('x');
    expect(await c.closed).toBe('ECONNRESET');
  });

  it('runs a custom behaviour loaded from a module path, with typed options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-behavior-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'shout.mjs');
    writeFileSync(
      file,
      `export default {
        name: 'shout', description: 'answers the request upper-cased',
        options: { suffix: ['appended text', 'string', '!'] },
        onRequest: (call) => ({ reply: call.request.toString().toUpperCase() + call.options.suffix }),
      };`,
    );
    const shout = await loadBehaviorModule(file, 'shout');
    const e = await echo();
    const { port } = await proxy(e.port, {
      behavior: 'shout',
      customBehaviors: { shout },
      behaviorOptions: { shout: { suffix: '?!' } },
    });
    const c = await client(port);
    c.socket.write('hey');
    expect((await c.waitFor(5)).toString()).toBe('HEY?!');
    c.socket.destroy();
    await expect(loadBehaviorModule(join(dir, 'missing.mjs'), 'x')).rejects.toThrow(/cannot load behavior x/);
    writeFileSync(join(dir, 'bad.mjs'), `export default { options: { a: ['x', 'number', 1] } };`);
    await expect(loadBehaviorModule(join(dir, 'bad.mjs'), 'bad')).rejects.toThrow(/option a must be \[description/);
  });
});

describe('behaviours in redis mode (RESP framing)', () => {
  it('error answers -ERR per request, in order with real answers, over pipelined commands', async () => {
    const server = await respServer();
    cleanup.push(() => server.close());
    const { port, faults } = await proxy(server.port, { protocol: 'redis', behavior: '50:error' });
    const c = await client(port);
    const n = 40;
    c.socket.write(Array.from({ length: n }, (_, i) => (i % 2 ? resp('GET', `k${i}`) : resp('PING'))).join(''));
    await waitUntil(() => countReplies(c.received().toString()) >= n, 'all replies');
    const replies = splitReplies(c.received().toString());
    expect(replies.length).toBe(n);
    const errors = replies.filter((reply) => reply.startsWith('-ERR'));
    expect(errors.length).toBe(faults.length);
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.length).toBeLessThan(35);
    // Each non-error reply answers its own command (PING/GET alternate).
    replies.forEach((reply, i) => {
      if (!reply.startsWith('-ERR')) expect(reply).toBe(i % 2 ? '$3\r\nbar\r\n' : '+PONG\r\n');
    });
    c.socket.destroy();
  });

  it('delay applies per request (each of 3 commands waits)', async () => {
    const server = await respServer();
    cleanup.push(() => server.close());
    const { port } = await proxy(server.port, {
      protocol: 'redis',
      behavior: 'delay',
      behaviorOptions: { delay: { sleep: 0.05 } },
    });
    const c = await client(port);
    const start = performance.now();
    c.socket.write(resp('PING') + resp('PING') + resp('PING'));
    await c.waitFor(21);
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    c.socket.destroy();
  });

  it('abort with before=false resets the client when the response starts (the command did reach redis)', async () => {
    let commands = 0;
    const server = await lineServer((socket) => {
      commands++;
      socket.write('+OK\r\n');
    });
    cleanup.push(() => server.close());
    const { port } = await proxy(server.port, {
      protocol: 'redis',
      behavior: 'abort',
      behaviorOptions: { abort: { before: false } },
    });
    const c = await client(port);
    c.socket.write(resp('SET', 'a', 'b'));
    expect(await c.closed).toBe('ECONNRESET');
    expect(commands).toBe(1);
  });
});

function splitReplies(text: string): string[] {
  return text.split(/(?<=\r\n)(?=[-+$:*])/).reduce<string[]>((out, part) => {
    const last = out[out.length - 1];
    if (last?.startsWith('$') && last.split('\r\n').length < 3) out[out.length - 1] = last + part;
    else out.push(part);
    return out;
  }, []);
}

function countReplies(text: string): number {
  return splitReplies(text).length;
}

describe('behaviours in memcache mode', () => {
  it('error answers SERVER_ERROR; multi-line VALUE answers and storage data blocks are framed', async () => {
    const server = await lineServer((socket, data) => {
      for (const line of data.toString().split('\r\n')) {
        if (line.startsWith('get ')) socket.write('VALUE k 0 7\r\nab\r\ncde\r\nEND\r\n');
        else if (line.startsWith('set ')) socket.write('STORED\r\n');
      }
    });
    cleanup.push(() => server.close());
    const { port, faults } = await proxy(server.port, { protocol: 'memcache', behavior: '50:error' });
    const c = await client(port);
    let expected = '';
    let text = '';
    for (let i = 0; i < 12; i++) {
      const before = faults.length;
      const isGet = i % 2 === 0;
      c.socket.write(isGet ? 'get k\r\n' : 'set k 0 0 7\r\nab\r\ncde\r\n');
      const answer = isGet ? 'VALUE k 0 7\r\nab\r\ncde\r\nEND\r\n' : 'STORED\r\n';
      const want = text.length;
      await waitUntil(() => c.received().length > want, 'answer');
      await new Promise((resolve) => setTimeout(resolve, 5));
      text = c.received().toString();
      expected += faults.length > before ? 'SERVER_ERROR chaos injected error\r\n' : answer;
      expect(text).toBe(expected);
    }
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.length).toBeLessThan(12);
    c.socket.destroy();
  });
});

describe('behaviours in http mode', () => {
  it('20:error answers valid 5xx responses on a keep-alive connection; the others reach the service', async () => {
    const server = await startHttpServer(() => ({ status: 200, body: 'fine' }));
    cleanup.push(() => server.close());
    const { port, faults } = await proxy(server.port, { protocol: 'http', behavior: '20:error' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(async () => agent.destroy());
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, path: `/r${i}`, method: i % 3 === 0 ? 'POST' : 'GET', agent },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(i % 3 === 0 ? 'x'.repeat(1000) : undefined);
        }),
      );
    }
    const errors = statuses.filter((status) => status >= 500);
    expect(errors.length).toBe(faults.length);
    expect(statuses.filter((status) => status === 200).length).toBe(50 - errors.length);
    expect(errors.length).toBeGreaterThan(2);
    expect(errors.length).toBeLessThan(25);
    expect(server.requests.length).toBe(50 - errors.length);
  });
});
