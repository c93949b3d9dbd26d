import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { HookListener, HookOptions, Logger } from '@traffic/core';
import { HookRegistry, InvalidOptionError, listenOn, TrafficEvents } from '@traffic/core';
import type { HttpLogger, HttpLoggerOptions } from '@traffic/http-logger';
import { createHttpLogger, withRequestLogging } from '@traffic/http-logger';
import { proxyError } from './errors.js';
import type { EventProxyHookName, EventProxyHooks } from './hooks.js';
import { HOOK_NAMES } from './hooks.js';
import type { EventProxyOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { EndpointRuntime, ProxyContext } from './proxy-context.js';
import type { ProxyStats } from './stats.js';
import { createStats } from './stats.js';
import { Transaction } from './transaction.js';
import { tunnelUpgrade } from './upgrade-tunnel.js';
import { UpstreamSet } from './upstreams.js';

/** Observe-only events (fire-and-forget, never change the flow). */
export type EventProxyEvents = {
  /** A listener threw (code TRAFFIC_ERR_EVENT_PROXY_LISTENER_FAILED) or an internal failure. */
  error: (error: Error) => void;
  listening: (addresses: EndpointAddress[]) => void;
  close: () => void;
};

export interface EndpointAddress {
  host: string;
  port: number;
  /** http://host:port of the listening endpoint. */
  url: string;
  upstreams: string[];
}

export interface EventProxy {
  /** Add a hook listener; lower priority runs first, equal priority in registration order. Returns an unsubscribe function. */
  on<K extends EventProxyHookName>(
    name: K,
    listener: HookListener<EventProxyHooks[K]>,
    options?: HookOptions,
  ): () => void;
  /** `error`: a listener threw (the transaction was answered per listenerErrorPolicy) or an internal failure. */
  on(name: 'error', listener: (error: Error) => void): () => void;
  readonly events: TrafficEvents<EventProxyEvents>;
  /** Start every endpoint; resolves with the bound addresses (port 0 → the real port). */
  listen(): Promise<EndpointAddress[]>;
  readonly addresses: EndpointAddress[];
  /** A snapshot of the counters. */
  stats(): ProxyStats;
  /** Stop accepting, let in-flight transactions finish for up to graceMs, then cut the rest. */
  close(graceMs?: number): Promise<void>;
}

export function createEventProxy(options: EventProxyOptions): EventProxy {
  const resolved: ResolvedOptions = resolveOptions(options);
  const logger: Logger = resolved.logger;
  const events = new TrafficEvents<EventProxyEvents>(logger);
  const stats = createStats();
  let nextId = 0;
  const hooks = new HookRegistry<EventProxyHooks>({
    onListenerError: (error, name) => {
      stats.listenerErrors++;
      const coded = proxyError('LISTENER_FAILED', `a ${name} listener threw: ${error.message}`, {
        cause: error,
        details: { hook: name },
      });
      logger.warn({ err: error, hook: name }, 'event-proxy listener threw');
      if (events.hasListeners('error')) events.emit('error', coded);
    },
  });
  const ctx: ProxyContext = {
    hooks,
    options: resolved,
    logger,
    stats,
    tunnels: new Set(),
    requestIdHeader:
      resolved.accessLog === false
        ? undefined
        : String((resolved.accessLog as HttpLoggerOptions).requestIdHeader ?? 'x-request-id').toLowerCase(),
    // Checked per request: seven map lookups, and once-listeners removed by the registry are seen.
    get hooked() {
      for (const name of HOOK_NAMES) if (hooks.has(name)) return true;
      return false;
    },
    nextId: () => ++nextId,
    reportError: (error) => {
      logger.error({ err: error }, 'event-proxy transaction failed');
      if (events.hasListeners('error')) events.emit('error', error);
    },
  };
  const poolSettings = {
    connections: resolved.upstreamConnections,
    connectTimeoutMs: resolved.connectTimeoutMs,
    headersTimeoutMs: resolved.headersTimeoutMs,
    bodyTimeoutMs: resolved.bodyTimeoutMs,
    keepAliveTimeoutMs: resolved.keepAliveTimeoutMs,
    rejectUnauthorized: resolved.rejectUnauthorized,
  };

  // One access logger for every endpoint (stdout by default, like the http-logger's own default).
  const accessLogger: HttpLogger | undefined =
    resolved.accessLog === false ? undefined : createHttpLogger({ logger, ...resolved.accessLog } as HttpLoggerOptions);
  const runtimes = resolved.endpoints.map((endpoint) => {
    const runtime: EndpointRuntime = {
      label: `${endpoint.listen.host}:${endpoint.listen.port}`,
      upstreams: new UpstreamSet(endpoint.upstreams, poolSettings),
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      new Transaction(ctx, runtime, req, res).start();
    };
    const server: Server = createServer(
      accessLogger === undefined ? handler : withRequestLogging(handler, accessLogger),
    );
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) =>
      tunnelUpgrade(ctx, runtime, req, socket, head),
    );
    server.maxConnections = resolved.maxClientConnections;
    server.on('clientError', (error, socket) => {
      stats.clientErrors++;
      logger.debug({ err: error }, 'bad request from client');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    return { endpoint, runtime, server };
  });

  let addresses: EndpointAddress[] = [];
  let listening: Promise<EndpointAddress[]> | undefined;
  let closing: Promise<void> | undefined;

  const proxy: EventProxy = {
    on(name: string, listener: (event: never) => unknown, hookOptions: HookOptions = {}): () => void {
      if (name === 'error') {
        const fn = listener as unknown as (error: Error) => void;
        events.on('error', fn);
        return () => events.off('error', fn);
      }
      if (!(HOOK_NAMES as readonly string[]).includes(name)) {
        throw new InvalidOptionError('on(name)', name, `one of ${[...HOOK_NAMES, 'error'].join(', ')}`);
      }
      if (hookOptions.key !== undefined) {
        throw new InvalidOptionError('on(options.key)', hookOptions.key, 'no key: event-proxy hooks are not keyed');
      }
      return hooks.on(name as EventProxyHookName, listener as HookListener<unknown>, hookOptions);
    },
    events,
    get addresses() {
      return addresses;
    },
    listen() {
      listening ??= Promise.all(
        runtimes.map(async ({ endpoint, runtime, server }): Promise<EndpointAddress> => {
          const bound = await listenOn(server, endpoint.listen);
          return { ...bound, upstreams: runtime.upstreams.origins };
        }),
      ).then((bound) => {
        addresses = bound;
        logger.info({ endpoints: bound.map(({ url, upstreams }) => ({ url, upstreams })) }, 'event-proxy listening');
        if (events.hasListeners('listening')) events.emit('listening', bound);
        return bound;
      });
      return listening;
    },
    stats() {
      return { ...stats, outcomes: { ...stats.outcomes } };
    },
    close(graceMs = 5_000) {
      closing ??= (async () => {
        for (const tunnel of ctx.tunnels) tunnel.destroy();
        await Promise.all(
          runtimes.map(
            ({ server }) =>
              new Promise<void>((resolve) => {
                if (!server.listening) {
                  resolve();
                  return;
                }
                const timer = setTimeout(() => server.closeAllConnections(), graceMs);
                server.close(() => {
                  clearTimeout(timer);
                  resolve();
                });
                server.closeIdleConnections();
              }),
          ),
        );
        await Promise.all(runtimes.map(({ runtime }) => runtime.upstreams.close(graceMs)));
        await accessLogger?.close();
        if (events.hasListeners('close')) events.emit('close');
      })();
      return closing;
    },
  };
  return proxy;
}
