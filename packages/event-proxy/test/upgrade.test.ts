import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { closedPort } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventProxy } from '../src/index.js';
import { rawExchange, startProxy } from './helpers.js';

let proxy: EventProxy | undefined;
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy?.close(100);
  proxy = undefined;
  if (server !== undefined) {
    const closing = server;
    server = undefined;
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
});

/** An upstream that accepts any Upgrade with 101 and then echoes bytes prefixed with "echo:". */
async function startUpgradeUpstream(seen: IncomingMessage[]): Promise<string> {
  server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(req);
    sockets.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    if (head.length > 0) socket.write(Buffer.concat([Buffer.from('echo:'), head]));
    socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readUntil(socket: Socket, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (pattern.test(received)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
  });
}

describe('WebSocket / Upgrade passthrough', () => {
  it('tunnels the upgrade handshake and then bytes both ways', async () => {
    const seen: IncomingMessage[] = [];
    const upstream = await startUpgradeUpstream(seen);
    const started = await startProxy(upstream);
    proxy = started.proxy;
    const socket = connect(started.port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const handshake = readUntil(socket, /\r\n\r\n/);
    socket.write(
      'GET /chat?room=1 HTTP/1.1\r\nHost: proxy.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(await handshake).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    const echoed = readUntil(socket, /echo:ping/);
    socket.write('ping');
    expect(await echoed).toContain('echo:ping');
    const request = seen[0];
    expect(request?.url).toBe('/chat?room=1');
    expect(request?.headers.upgrade).toBe('websocket');
    expect(request?.headers['sec-websocket-key']).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(request?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(proxy.stats().upgrades).toBe(1);
  });

  it('answers 502 when the upstream refuses the tunnel', async () => {
    const port = await closedPort();
    const started = await startProxy(`http://127.0.0.1:${port}`);
    proxy = started.proxy;
    const answer = await rawExchange(
      started.port,
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 502/);
    expect(answer).toContain('TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_ERROR');
    expect(proxy.stats().upgradeErrors).toBe(1);
  });

  it('close() ends open tunnels', async () => {
    const upstream = await startUpgradeUpstream([]);
    const started = await startProxy(upstream);
    proxy = started.proxy;
    const socket = connect(started.port, '127.0.0.1');
    sockets.push(socket);
    const handshake = readUntil(socket, /\r\n\r\n/);
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await handshake;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await proxy.close(100);
    await closed;
    proxy = undefined;
  });
});
