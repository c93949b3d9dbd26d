import { connect, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { HttpMessage } from '@traffic/core';
import {
  closedPort,
  FakeClock,
  NdjsonCollector,
  startHalfClosePeer,
  startHttpServer,
  startTcpEchoServer,
  waitUntil,
} from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';

/** Send raw bytes over TCP and collect everything until the server closes (or timeoutMs). */
function rawExchange(port: number, request: string, timeoutMs = 3000): Promise<{ data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(parts), error: error.code ?? error.message });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(parts) });
    });
  });
}

describe('startHttpServer', () => {
  it('answers with the scripted status, headers and body, and records each request', async () => {
    const server = await startHttpServer({
      status: 201,
      headers: { 'x-a': 'b', 'set-cookie': ['1', '2'] },
      body: 'hi',
    });
    try {
      const response = await fetch(`${server.url}/x?y=1`, {
        method: 'POST',
        body: 'abc',
        headers: { 'X-Custom': 'v' },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-a')).toBe('b');
      expect(response.headers.getSetCookie()).toEqual(['1', '2']);
      expect(await response.text()).toBe('hi');
      const [request] = server.requests;
      expect(request).toMatchObject({ method: 'POST', url: '/x?y=1', bodyBytes: 3, aborted: false });
      expect(request?.body.toString()).toBe('abc');
      expect(request?.headers['x-custom']).toBe('v');
      expect(request?.rawHeaders).toContain('X-Custom');
      expect(request?.bodySha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(server.connections).toBe(1);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    } finally {
      await server.close();
    }
  });

  it('keeps at most recordBodyLimit bytes but counts and hashes the whole body', async () => {
    const server = await startHttpServer({}, { recordBodyLimit: 4 });
    try {
      await (await fetch(server.url, { method: 'PUT', body: 'abcdefgh' })).arrayBuffer();
      expect(server.requests[0]?.body.toString()).toBe('abcd');
      expect(server.requests[0]?.bodyBytes).toBe(8);
    } finally {
      await server.close();
    }
  });

  it('runs a script function per request, can change script, and answers 500 when the script throws', async () => {
    const server = await startHttpServer((request) => ({ body: `you asked ${request.url}` }));
    try {
      expect(await (await fetch(`${server.url}/one`)).text()).toBe('you asked /one');
      server.setScript(() => {
        throw new Error('script bug');
      });
      const failed = await fetch(`${server.url}/two`);
      expect(failed.status).toBe(500);
      expect(await failed.text()).toContain('script bug');
      server.setScript({ status: 204 });
      expect((await fetch(server.url)).status).toBe(204);
      expect(server.requests.map((request) => request.url)).toEqual(['/one', '/two', '/']);
    } finally {
      await server.close();
    }
  });

  it('delays the answer by delayMs', async () => {
    const server = await startHttpServer({ delayMs: 150, body: 'late' });
    try {
      const started = performance.now();
      expect(await (await fetch(server.url)).text()).toBe('late');
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await server.close();
    }
  });

  it('hang never answers; close() ends the hanging connection', async () => {
    const server = await startHttpServer({ hang: true });
    const exchange = rawExchange(server.port, 'GET /h HTTP/1.1\r\nHost: x\r\n\r\n', 10_000);
    await waitUntil(() => server.requests.length === 1, 'the hanging request');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close();
    const result = await exchange;
    expect(result.data.length).toBe(0);
  });

  it('destroy drops the connection without an answer', async () => {
    const server = await startHttpServer({ destroy: true });
    try {
      const result = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(result.data.length).toBe(0);
      await expect(fetch(server.url)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('truncateAfter sends the head with the full Content-Length, then only that many bytes', async () => {
    const server = await startHttpServer({ body: 'abcdefghij', truncateAfter: 4 });
    try {
      const { data } = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const message = HttpMessage.parse(data);
      expect(message.status).toBe(200);
      expect(message.header('content-length')).toBe('10');
      expect(message.body.toString()).toBe('abcd');
      const zero = await startHttpServer({ body: 'abc', truncateAfter: 0 });
      try {
        const cut = await rawExchange(zero.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(HttpMessage.parse(cut.data).body.length).toBe(0);
      } finally {
        await zero.close();
      }
    } finally {
      await server.close();
    }
  });

  it('chunks are sent with chunked transfer coding, chunkIntervalMs apart', async () => {
    const server = await startHttpServer({ chunks: ['ab', 'cd', Buffer.from('ef')], chunkIntervalMs: 60 });
    try {
      const { data } = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const message = HttpMessage.parse(data);
      expect(message.isChunked).toBe(true);
      // One chunk per scripted piece, each framed on its own.
      expect(message.body.toString()).toBe('2\r\nab\r\n2\r\ncd\r\n2\r\nef\r\n0\r\n\r\n');
      expect(message.decodedBody().toString()).toBe('abcdef');
      // The server waits chunkIntervalMs after each chunk: three intervals pass before the body ends.
      const started = performance.now();
      const response = await fetch(server.url);
      expect(await response.text()).toBe('abcdef');
      expect(performance.now() - started).toBeGreaterThanOrEqual(170);
    } finally {
      await server.close();
    }
  });

  it('gzip compresses the body and sets Content-Encoding; with chunks every chunk is flushed', async () => {
    const server = await startHttpServer({ body: 'hello gzip', gzip: true });
    try {
      const { data } = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const message = HttpMessage.parse(data);
      expect(message.header('content-encoding')).toBe('gzip');
      expect(gunzipSync(message.body).toString()).toBe('hello gzip');
      expect(await (await fetch(server.url)).text()).toBe('hello gzip');
      server.setScript({ chunks: ['part one, ', 'part two'], gzip: true });
      const chunked = HttpMessage.parse(
        (await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).data,
      );
      expect(chunked.isChunked).toBe(true);
      expect(chunked.decompressedBody().toString()).toBe('part one, part two');
    } finally {
      await server.close();
    }
  });

  it('marks a request whose client went away mid-body as aborted', async () => {
    const server = await startHttpServer({});
    try {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some');
      await waitUntil(() => server.requests.length === 1, 'the request head');
      socket.destroy();
      await waitUntil(() => server.requests[0]?.aborted === true, 'the abort to be recorded');
    } finally {
      await server.close();
    }
  });

  it('listens on ::1 when asked (skipped and counted when the machine has no IPv6 loopback)', async () => {
    let server: Awaited<ReturnType<typeof startHttpServer>>;
    try {
      server = await startHttpServer({ body: 'v6' }, { host: '::1' });
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    try {
      expect(server.url).toBe(`http://[::1]:${server.port}`);
      expect(await (await fetch(server.url)).text()).toBe('v6');
    } finally {
      await server.close();
    }
  });
});

describe('TCP helpers', () => {
  it('startTcpEchoServer echoes bytes and ends its side after the client ends', async () => {
    const echo = await startTcpEchoServer();
    try {
      const received = await new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        const socket = connect(echo.port, echo.host, () => socket.end(Buffer.from([0, 1, 2, 255])));
        socket.on('data', (chunk: Buffer) => parts.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(parts)));
        socket.on('error', reject);
      });
      expect([...received]).toEqual([0, 1, 2, 255]);
      expect(echo.connections).toBe(1);
      await waitUntil(() => echo.open === 0, 'the echo socket to close');
    } finally {
      await echo.close();
    }
  });

  it('startHalfClosePeer replies only after the client half-closes', async () => {
    const peer = await startHalfClosePeer((received) => `len=${received.length}`);
    try {
      const result = await new Promise<{ beforeEnd: number; reply: string }>((resolve, reject) => {
        const parts: Buffer[] = [];
        const socket = connect({ port: peer.port, host: peer.host, allowHalfOpen: true }, () => {
          socket.write('hello');
          setTimeout(() => {
            const beforeEnd = parts.length;
            socket.end();
            socket.on('end', () => resolve({ beforeEnd, reply: Buffer.concat(parts).toString() }));
          }, 80);
        });
        socket.on('data', (chunk: Buffer) => parts.push(chunk));
        socket.on('error', reject);
      });
      expect(result).toEqual({ beforeEnd: 0, reply: 'len=5' });
    } finally {
      await peer.close();
    }
  });

  it('startHalfClosePeer has a default reply', async () => {
    const peer = await startHalfClosePeer();
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const parts: Buffer[] = [];
        const socket = connect({ port: peer.port, host: peer.host, allowHalfOpen: true }, () => socket.end('abc'));
        socket.on('data', (chunk: Buffer) => parts.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(parts).toString()));
        socket.on('error', reject);
      });
      expect(reply).toBe('got 3 bytes');
    } finally {
      await peer.close();
    }
  });

  it('closedPort refuses connections', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    const result = await rawExchange(port, 'x');
    expect(result.error).toBe('ECONNREFUSED');
  });
});

describe('FakeClock', () => {
  it('moves only on advance() and fires due timers in order, including timers set by timers', () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.nowMs()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.nowMs()}`);
      clock.setTimeout(() => fired.push(`c@${clock.nowMs()}`), 5);
    }, 10);
    clock.setTimeout(() => fired.push('same-due-second'), 20);
    const cancelled = clock.setTimeout(() => fired.push('cancelled'), 1);
    clock.clearTimeout(cancelled);
    expect(clock.pendingTimers).toBe(3);
    expect(clock.nowMs()).toBe(100);
    clock.advance(19);
    expect(fired).toEqual(['a@110', 'c@115']);
    clock.advance(1);
    expect(fired).toEqual(['a@110', 'c@115', 'b@120', 'same-due-second']);
    expect(clock.nowMs()).toBe(120);
    expect(clock.nowNs()).toBe(120_000_000n);
    expect(clock.wallMs()).toBe(Date.UTC(2026, 0, 1) + 120);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to go backwards', () => {
    expect(() => new FakeClock().advance(-1)).toThrow(RangeError);
    expect(new FakeClock(0, 5).wallMs()).toBe(5);
  });
});

describe('NdjsonCollector and waitUntil', () => {
  it('parses complete lines across writes and keeps lines that are not JSON', async () => {
    const sink = new NdjsonCollector();
    sink.write('{"a":1}\n{"b"');
    sink.write(':2}\nnot json\n\n');
    sink.push('{"c":3}');
    expect(sink.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(sink.invalidLines).toEqual(['not json']);
    sink.push('\n');
    expect(await sink.waitFor(3)).toHaveLength(3);
    await expect(sink.waitFor(4, 30)).rejects.toThrow('expected 4 NDJSON records, got 3 after 30 ms');
  });

  it('waitUntil resolves when the condition holds and names what it waited for on timeout', async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 20);
    await waitUntil(() => ready);
    await expect(waitUntil(() => false, 'the moon', 30)).rejects.toThrow('timed out after 30 ms waiting for the moon');
  });
});
