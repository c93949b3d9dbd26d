import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { EVENT_PROXY_ERRORS } from './errors.js';
import { forwardRequestHeadersRaw } from './forward-headers.js';
import type { EndpointRuntime, ProxyContext } from './proxy-context.js';
import { upstreamPath } from './upstreams.js';

/**
 * WebSocket (and any other Upgrade) passthrough: the request head is re-sent to an upstream over a
 * fresh socket, with hop-by-hop headers stripped except the Upgrade pair, and from then on bytes are
 * piped both ways untouched (the upstream's 101 included). Tunnels are opaque: no hook runs on them.
 */
export function tunnelUpgrade(
  ctx: ProxyContext,
  endpoint: EndpointRuntime,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): void {
  ctx.stats.upgrades++;
  ctx.tunnels.add(client);
  client.on('error', () => client.destroy());
  client.once('close', () => ctx.tunnels.delete(client));
  if (!ctx.options.upgrades) {
    refuse(client, 501, 'upgrades are disabled');
    return;
  }
  const upstream = endpoint.upstreams.pick();
  const path = upstreamPath(req.url ?? '', upstream.basePath);
  if (path === undefined) {
    refuse(client, 400, EVENT_PROXY_ERRORS.BAD_TARGET.code);
    return;
  }
  const headers = forwardRequestHeadersRaw(req.rawHeaders, {
    remoteAddress: req.socket.remoteAddress ?? '',
    xForwarded: ctx.options.xForwarded,
    upstreamHost: ctx.options.changeOrigin ? upstream.host : undefined,
  });
  headers.push('connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
  let text = `${req.method} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  text += '\r\n';

  const socket: Socket = upstream.tls
    ? connectTls({
        host: upstream.hostname,
        port: upstream.port,
        servername: upstream.hostname,
        rejectUnauthorized: ctx.options.rejectUnauthorized,
      })
    : connectTcp({ host: upstream.hostname, port: upstream.port });
  let answered = false;
  const timer = setTimeout(() => {
    socket.destroy();
    fail(504, EVENT_PROXY_ERRORS.UPSTREAM_TIMEOUT.code);
  }, ctx.options.connectTimeoutMs);
  const fail = (status: number, code: string) => {
    clearTimeout(timer);
    if (answered) {
      client.destroy();
      return;
    }
    answered = true;
    ctx.stats.upgradeErrors++;
    refuse(client, status, code);
  };
  socket.once(upstream.tls ? 'secureConnect' : 'connect', () => {
    clearTimeout(timer);
    socket.setNoDelay(true);
    socket.write(text);
    if (head.length > 0) socket.write(head);
    socket.pipe(client);
    client.pipe(socket);
  });
  socket.once('data', () => {
    answered = true;
  });
  socket.on('error', (error) => {
    ctx.logger.debug({ err: error, upstream: upstream.origin }, 'upgrade tunnel upstream failed');
    fail(502, EVENT_PROXY_ERRORS.UPSTREAM_ERROR.code);
  });
  socket.on('close', () => {
    clearTimeout(timer);
    if (answered) client.destroy();
  });
  client.on('close', () => {
    clearTimeout(timer);
    socket.destroy();
  });
}

function refuse(client: Duplex, status: number, code: string): void {
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'} (${code})\n`;
  client.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-traffic-error: ${code}\r\n\r\n${body}`,
  );
}
