import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Client {
  socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves with the error code (or 'close') when the socket closes. */
  closed: Promise<string>;
  /** Wait until `bytes` bytes arrived; rejects after timeoutMs. */
  waitFor(bytes: number, timeoutMs?: number): Promise<Buffer>;
  ended: Promise<void>;
}

export async function client(port: number, host = '127.0.0.1'): Promise<Client> {
  const socket = connect({ port, host, allowHalfOpen: true });
  const parts: Buffer[] = [];
  let size = 0;
  let waiters: (() => void)[] = [];
  let code = 'close';
  socket.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
    for (const wake of waiters) wake();
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    code = error.code ?? 'error';
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(code)));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  closed.then(() => {
    for (const wake of waiters) wake();
  });
  await once(socket, 'connect');
  return {
    socket,
    received: () => Buffer.concat(parts),
    closed,
    ended,
    waitFor(bytes, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== check);
          reject(new Error(`timed out waiting for ${bytes} bytes (got ${size})`));
        }, timeoutMs);
        const check = () => {
          if (size >= bytes || socket.destroyed) {
            clearTimeout(timer);
            waiters = waiters.filter((w) => w !== check);
            resolve(Buffer.concat(parts));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** Round trip of `payload` through an echo path: ms. */
export async function roundTrip(c: Client, payload: Buffer): Promise<number> {
  const before = c.received().length;
  const start = performance.now();
  c.socket.write(payload);
  await c.waitFor(before + payload.length);
  return performance.now() - start;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A tiny server for protocol tests: answers each framed request with `answer(request)`. */
export async function lineServer(
  answer: (socket: Socket, data: Buffer) => void,
): Promise<{ port: number; server: Server; close(): Promise<void>; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (data) => answer(socket, data));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    server,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Minimal RESP server: PING → +PONG, GET k → $3 bar, anything else → +OK. Handles pipelined commands. */
export function respServer() {
  return lineServer((socket, data) => {
    const text = data.toString('latin1');
    const commands = text.split('*').filter((part) => part.length > 0);
    for (const command of commands) {
      const words = command.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
      const name = (words[0] ?? '').toUpperCase();
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (name === 'GET') socket.write('$3\r\nbar\r\n');
      else socket.write('+OK\r\n');
    }
  });
}

export function resp(...words: string[]): string {
  return `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}
