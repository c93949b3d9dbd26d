import { type ServerResponse, STATUS_CODES } from 'node:http';

/**
 * A short proxy-made answer naming the error code. Internal details (upstream addresses, causes)
 * stay out of the body: they go to the events and the logger. If the head is already out, the only
 * honest signal left is to cut the connection.
 */
export function sendProxyError(res: ServerResponse, status: number, code: string, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'} (${code})\n`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-traffic-error': code,
  };
  // The client's unread request body would otherwise be parsed as the next request.
  if (closeConnection) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
