import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { listenOn } from '@traffic/core';

/**
 * The demo's small JSON API in two versions. v2 differs from v1 in exactly one field
 * (`/users/:id` → `plan` is renamed in value: "pro" becomes "premium") and one endpoint
 * (`/orders` returns totals in cents instead of a decimal string).
 */
export type ApiVersion = 'v1' | 'v2';

export interface DemoApi {
  readonly version: ApiVersion;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const USERS = [
  { id: 1, name: 'Ada', plan: 'pro' },
  { id: 2, name: 'Grace', plan: 'free' },
  { id: 3, name: 'Linus', plan: 'free' },
];

function user(version: ApiVersion, id: number): Record<string, unknown> | undefined {
  const found = USERS.find((candidate) => candidate.id === id);
  if (found === undefined) return undefined;
  return {
    ...found,
    plan: version === 'v2' && found.plan === 'pro' ? 'premium' : found.plan,
    email: `${found.name.toLowerCase()}@example.test`,
  };
}

function orders(version: ApiVersion): Record<string, unknown> {
  const items = [
    { id: 'o-1', total: 1250 },
    { id: 'o-2', total: 399 },
  ];
  return {
    orders: items.map((item) => ({
      id: item.id,
      total: version === 'v2' ? item.total : (item.total / 100).toFixed(2),
    })),
  };
}

function route(version: ApiVersion, req: IncomingMessage): { status: number; body: unknown } {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/health') return { status: 200, body: { ok: true } };
  if (path === '/orders') return { status: 200, body: orders(version) };
  const match = /^\/users\/(\d+)$/.exec(path);
  if (match) {
    const found = user(version, Number(match[1]));
    return found ? { status: 200, body: found } : { status: 404, body: { error: 'no such user' } };
  }
  return { status: 404, body: { error: 'not found' } };
}

export async function startDemoApi(version: ApiVersion): Promise<DemoApi> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Drain the request body before answering so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      const { status, body } = route(version, req);
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  const { port, url } = await listenOn(server, { host: '127.0.0.1', port: 0 });
  return {
    version,
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
