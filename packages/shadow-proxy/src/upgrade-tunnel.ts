import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Backend } from './backend-pool.js';
import { SHADOW_ERRORS } from './errors.js';
import { responseHeaders } from './header-policy.js';

/**
 * Upgrade requests (WebSocket, h2c...) go to the master only: a tunnel is a conversation, not a
 * request that can be replayed and compared. undici performs the upgrade; after the 101 the two
 * sockets are piped both ways. A master that refuses the upgrade gets its answer relayed.
 */
export function tunnelUpgrade(
  master: Backend,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: string,
  headers: string[],
  timeoutMs: number,
  onError: (error: Error) => void,
): void {
  const upgrade = req.headers.upgrade ?? 'websocket';
  let finished = false;
  let abort: ((reason?: Error) => void) | undefined;
  const timer = setTimeout(() => {
    fail(new Error(`master did not answer the upgrade within ${timeoutMs} ms`), 504, SHADOW_ERRORS.masterTimeout);
    abort?.(new Error('upgrade timeout'));
  }, timeoutMs);
  const fail = (error: Error, status: number, code: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    onError(error);
    if (!socket.destroyed) {
      const body = `${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${error.message}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\r\ncontent-type: text/plain\r\nx-traffic-error: ${code}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
  };
  socket.on('error', () => abort?.());
  const handler = {
    onConnect(abortFn: (reason?: Error) => void) {
      abort = abortFn;
      if (finished) abortFn();
    },
    onUpgrade(status: number, rawHeaders: Buffer[], upstream: Duplex) {
      if (finished) {
        upstream.destroy();
        return;
      }
      finished = true;
      clearTimeout(timer);
      let text = `HTTP/1.1 ${status} Switching Protocols\r\n`;
      for (let i = 0; i < rawHeaders.length; i += 2) {
        text += `${(rawHeaders[i] as Buffer).toString('latin1')}: ${(rawHeaders[i + 1] as Buffer).toString('latin1')}\r\n`;
      }
      socket.write(`${text}\r\n`, 'latin1');
      if (head.length > 0) upstream.write(head);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
    },
    // The master answered without upgrading: relay that answer and close.
    onHeaders(status: number, rawHeaders: Buffer[], _resume: () => void, statusText: string) {
      if (finished) return true;
      finished = true;
      clearTimeout(timer);
      const kept = responseHeaders(rawHeaders);
      let text = `HTTP/1.1 ${status} ${statusText}\r\n`;
      for (let i = 0; i < kept.length; i += 2) text += `${kept[i]}: ${kept[i + 1]}\r\n`;
      socket.write(`${text}connection: close\r\n\r\n`, 'latin1');
      return true;
    },
    onData(chunk: Buffer) {
      if (!socket.destroyed) socket.write(chunk);
      return true;
    },
    onComplete() {
      socket.end();
    },
    onError(error: Error) {
      if (finished) socket.destroy();
      else fail(error, 502, SHADOW_ERRORS.masterUnreachable);
    },
  };
  try {
    master.pool.dispatch(
      { method: req.method ?? 'GET', path, headers, upgrade, body: null },
      handler as unknown as Dispatcher.DispatchHandler,
    );
  } catch (error) {
    fail(error as Error, 502, SHADOW_ERRORS.masterUnreachable);
  }
}
