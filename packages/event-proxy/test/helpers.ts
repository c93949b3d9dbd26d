import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { EventProxy, EventProxyOptions } from '../src/index.js';
import { createEventProxy } from '../src/index.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real node:http request (any header allowed, a fresh connection each time). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; path?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Raw bytes over TCP; resolves with everything received until the peer closes or `until` matches. */
export function rawExchange(port: number, text: string, until?: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (until?.test(received)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

/** A proxy on 127.0.0.1:0 in front of `upstream`; the caller closes it. */
export async function startProxy(
  upstream: string | string[],
  options: Omit<EventProxyOptions, 'endpoints'> = {},
): Promise<{ proxy: EventProxy; url: string; port: number }> {
  const proxy = createEventProxy({ endpoints: [{ listen: '127.0.0.1:0', upstream }], ...options });
  const [address] = await proxy.listen();
  if (address === undefined) throw new Error('proxy did not listen');
  return { proxy, url: address.url, port: address.port };
}

/** Record every hook in dispatch order as "name" or "name:kind" / "name:outcome". */
export function recordOrder(proxy: EventProxy): string[] {
  const order: string[] = [];
  proxy.on('transaction.started', () => {
    order.push('started');
  });
  proxy.on('filter.request', () => {
    order.push('filter.request');
  });
  proxy.on('client.filter.request', () => {
    order.push('client.filter.request');
  });
  proxy.on('client.filter.response', () => {
    order.push('client.filter.response');
  });
  proxy.on('filter.response', () => {
    order.push('filter.response');
  });
  proxy.on('transaction.message', (event) => {
    order.push(`message:${event.kind}`);
  });
  proxy.on('transaction.ended', (event) => {
    order.push(`ended:${event.outcome}`);
  });
  return order;
}
