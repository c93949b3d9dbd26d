import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withRequestLogging } from '../src/index.js';
import { Lines, listen, type Started } from './helpers.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('pass-through', () => {
  it('SSE: the client receives event 1 before the server sends event 2', async () => {
    const lines = new Lines();
    let sendSecond: (() => void) | undefined;
    const order: string[] = [];
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: one\n\n');
          order.push('server sent 1');
          sendSecond = () => {
            order.push('server sends 2');
            res.end('data: two\n\n');
          };
        },
        { sink: lines.sink },
      ),
    );
    const url = started.url;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('data: one') && !text.includes('data: two')) {
            order.push('client got 1');
            sendSecond?.();
          }
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(order).toEqual(['server sent 1', 'client got 1', 'server sends 2']);
    expect(body).toBe('data: one\n\ndata: two\n\n');
    const [record] = await lines.waitFor(1);
    expect(record).toMatchObject({ status: 200, aborted: false, bytes: body.length });
  });

  it('streams a large body chunk by chunk without holding it', async () => {
    const lines = new Lines();
    const chunk = Buffer.alloc(64 * 1024, 7);
    const total = 64;
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          let sent = 0;
          const pump = (): void => {
            while (sent < total) {
              sent++;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          pump();
        },
        { sink: lines.sink },
      ),
    );
    const url = started.url;
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (data: Buffer) => {
          bytes += data.length;
        });
        res.on('end', () => resolve(bytes));
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toBe(chunk.length * total);
    const [record] = await lines.waitFor(1);
    expect(record?.bytes).toBe(chunk.length * total);
  });

  it('upgrade requests go to the server upgrade handler untouched', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end('plain'), { sink: lines.sink }));
    started.server.on('upgrade', (req, socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Id: ${String(req.headers['x-request-id'])}\r\n\r\n`,
      );
      socket.pipe(socket);
    });
    const socket = connect(started.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Request-Id: up-1\r\n\r\n');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      text += data;
    });
    const deadline = Date.now() + 5000;
    while (!text.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(text).toMatch(/^HTTP\/1\.1 101/);
    expect(text).toContain('X-Seen-Id: up-1');
    socket.write('ping-raw-bytes');
    while (!text.includes('ping-raw-bytes') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(text.endsWith('ping-raw-bytes')).toBe(true);
    socket.destroy();
    // The tunnel is not an HTTP response: nothing is logged for it, and nothing breaks.
    expect(lines.raw).toHaveLength(0);
  });
});
