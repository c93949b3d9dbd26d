import type { ServerResponse } from 'node:http';

/**
 * Responses the proxy makes itself (never an empty 200): a short text body naming what happened
 * and the error code in a header, so a client or an operator can tell them from the master's.
 */
export function sendProxyAnswer(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = `${status} ${message}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-traffic-error': code,
    'cache-control': 'no-store',
  });
  res.end(body);
}
