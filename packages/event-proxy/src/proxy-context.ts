import type { Duplex } from 'node:stream';
import type { HookRegistry, Logger } from '@traffic/core';
import type { EventProxyHooks } from './hooks.js';
import type { ResolvedOptions } from './options.js';
import type { ProxyStats } from './stats.js';
import type { UpstreamSet } from './upstreams.js';

/** What a transaction needs from its proxy (kept small so transactions stay cheap to create). */
export interface ProxyContext {
  readonly hooks: HookRegistry<EventProxyHooks>;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly stats: ProxyStats;
  /** Open upgrade tunnels (client side), destroyed on close(); bounded by open connections. */
  readonly tunnels: Set<Duplex>;
  /** With the access log on: the lower-cased request id header it settles (forwarded upstream). */
  readonly requestIdHeader: string | undefined;
  /** True while at least one hook listener is registered; false selects the fast path. */
  hooked: boolean;
  nextId(): number;
  /** A failure outside a listener call (an invalid listener-made value, a bug) → log + `error` event. */
  reportError(error: Error): void;
}

/** One listen address and its upstreams. */
export interface EndpointRuntime {
  readonly label: string;
  readonly upstreams: UpstreamSet;
}
