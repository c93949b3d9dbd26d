import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTrafficError, type Logger } from '@traffic/core';
import type { ChaosProxy } from './chaos-proxy.js';
import { STATUS_OF_CODE } from './errors.js';
import { renderMetrics } from './metrics.js';

/** The proxy collection the API manages (implemented by ToxiproxyServer). */
export interface ProxyCollection {
  list(): ChaosProxy[];
  get(name: string): ChaosProxy;
  create(body: unknown): Promise<ChaosProxy>;
  populate(body: unknown): Promise<{ proxies: ChaosProxy[]; error?: { message: string; status: number } }>;
  remove(name: string): Promise<void>;
  reset(): Promise<void>;
}

export const API_VERSION = '2.12.0';
const MAX_BODY = 1024 * 1024;

class ApiError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json'): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(`bad request body: larger than ${MAX_BODY} bytes`, 413);
    parts.push(chunk);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(`bad request body: ${(error as Error).message}`, 400);
  }
}

function statusOf(error: unknown): { status: number; message: string } {
  if (error instanceof ApiError) return { status: error.status, message: error.message };
  if (isTrafficError(error)) return { status: STATUS_OF_CODE[error.code] ?? 500, message: error.message };
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return { status: 409, message: `listen failed: ${(error as Error).message}` };
  }
  return { status: 500, message: (error as Error)?.message ?? String(error) };
}

/**
 * A node:http handler speaking Toxiproxy's REST API (same routes, JSON shapes and status codes), plus
 * GET/POST /proxies/{name}/behavior for the Vaurien behaviour mix.
 */
export function createToxiproxyHandler(collection: ProxyCollection, logger: Logger) {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const parts = path
      .split('/')
      .filter((part) => part !== '')
      .map((part) => decodeURIComponent(part));
    const is = (...methods: string[]) => {
      if (!methods.includes(method)) throw new ApiError(`method ${method} not allowed on ${path}`, 405);
    };
    const [top, name, sub, toxicName, extra] = parts;
    if (top === 'version' && parts.length === 1) {
      is('GET');
      return send(res, 200, `${JSON.stringify({ version: API_VERSION })}\n`, 'application/json;charset=utf-8');
    }
    if (top === 'metrics' && parts.length === 1) {
      is('GET');
      return send(res, 200, renderMetrics(collection.list()), 'text/plain; version=0.0.4');
    }
    if (top === 'reset' && parts.length === 1) {
      is('POST');
      await collection.reset();
      return send(res, 204);
    }
    if (top === 'populate' && parts.length === 1) {
      is('POST');
      const result = await collection.populate(await readJson(req));
      const proxies = result.proxies.map((proxy) => proxy.toJSON());
      if (result.error) {
        return send(res, result.error.status, { error: result.error.message, status: result.error.status, proxies });
      }
      return send(res, 201, { proxies });
    }
    if (top !== 'proxies' || extra !== undefined) throw new ApiError('not found', 404);
    if (name === undefined) {
      if (method === 'GET') {
        return send(res, 200, Object.fromEntries(collection.list().map((proxy) => [proxy.name, proxy.toJSON()])));
      }
      is('POST');
      const proxy = await collection.create(await readJson(req));
      return send(res, 201, proxy.toJSON());
    }
    const proxy = collection.get(name);
    if (sub === undefined) {
      if (method === 'GET') return send(res, 200, proxy.toJSON());
      if (method === 'DELETE') {
        await collection.remove(name);
        return send(res, 204);
      }
      is('POST', 'PATCH');
      await proxy.update(await readJson(req));
      return send(res, 200, proxy.toJSON());
    }
    if (sub === 'behavior' && toxicName === undefined) {
      if (method === 'GET') return send(res, 200, proxy.behavior.toJSON());
      is('POST', 'PATCH');
      const body = (await readJson(req)) as Record<string, unknown>;
      if (body === null || typeof body !== 'object' || typeof (body.behavior ?? '') !== 'string') {
        throw new ApiError('bad request body: expected {"behavior": "20:delay,10:error", "options": {...}}', 400);
      }
      const options = body.options as Record<string, Record<string, unknown>> | undefined;
      const mix = proxy.setBehavior({
        behavior: (body.behavior as string | undefined) ?? '',
        ...(options && typeof options === 'object' ? { behaviorOptions: options } : {}),
      });
      return send(res, 200, mix.toJSON());
    }
    if (sub !== 'toxics') throw new ApiError('not found', 404);
    if (toxicName === undefined) {
      if (method === 'GET')
        return send(
          res,
          200,
          proxy.toxics.map((toxic) => toxic.toJSON()),
        );
      is('POST');
      return send(res, 200, proxy.addToxic(await readJson(req)).toJSON());
    }
    if (method === 'GET') return send(res, 200, proxy.getToxic(toxicName).toJSON());
    if (method === 'DELETE') {
      proxy.removeToxic(toxicName);
      return send(res, 204);
    }
    is('POST', 'PATCH');
    return send(res, 200, proxy.updateToxic(toxicName, await readJson(req)).toJSON());
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    // Like Toxiproxy: browsers may not drive the API (a web page could otherwise reach loopback).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      send(res, 403, { error: 'User agent not allowed', status: 403 });
      return;
    }
    route(req, res).catch((error: unknown) => {
      const { status, message } = statusOf(error);
      if (status >= 500) logger.error({ err: error, url: req.url }, 'toxiproxy API error');
      if (!res.headersSent) send(res, status, { error: message, status });
      else res.destroy();
    });
  };
}
