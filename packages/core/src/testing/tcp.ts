import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { listenOn } from '../listen.js';

/**
 * Real TCP peers on 127.0.0.1:0 for proxy tests: an echo server, a half-closing peer (answers only
 * after the client's FIN), and a port where nothing listens.
 */
export interface TestTcpServer {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Sockets currently open. */
  readonly open: number;
  close(): Promise<void>;
}

async function listenTcp(onSocket: (socket: Socket) => void, host = '127.0.0.1'): Promise<TestTcpServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  const { port } = await listenOn(server, { host, port: 0 });
  return {
    host,
    port,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every byte back; ends its side when the client ends its side. */
export function startTcpEchoServer(host?: string): Promise<TestTcpServer> {
  return listenTcp((socket) => socket.pipe(socket), host);
}

/**
 * Reads until the client half-closes (FIN), then writes `reply(received)` and ends. A proxy that
 * closes both directions on the first FIN loses this reply.
 */
export function startHalfClosePeer(
  reply: (received: Buffer) => Buffer | string = (received) => `got ${received.length} bytes`,
  host?: string,
): Promise<TestTcpServer> {
  return listenTcp((socket) => {
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('end', () => {
      const answer = reply(Buffer.concat(parts));
      setTimeout(() => socket.end(answer), 20);
    });
  }, host);
}

/** A loopback port that refuses connections (bound, then released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const { port } = await listenOn(server, { host, port: 0 });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
