export { EVENT_PROXY_ERRORS } from './errors.js';
export type { EndpointAddress, EventProxy, EventProxyEvents } from './event-proxy.js';
export { createEventProxy } from './event-proxy.js';
export type { BodyOptions, BodyReader, FilterPhase } from './filter-event.js';
export { ProxyFilterEvent } from './filter-event.js';
export type { EventProxyHookName, EventProxyHooks } from './hooks.js';
export { HOOK_NAMES } from './hooks.js';
export type { EndpointOptions, EventProxyOptions, ListenerErrorPolicy } from './options.js';
export { DEFAULTS } from './options.js';
export type { OutcomeCounts, ProxyStats } from './stats.js';
export type { MessageKind } from './transaction-events.js';
export { TransactionEndedEvent, TransactionMessageEvent, TransactionStartedEvent } from './transaction-events.js';
export type {
  BodyValue,
  HeaderMap,
  ProxyRequest,
  ProxyResponse,
  TransactionInfo,
  TransactionOutcome,
  TransactionTimings,
} from './types.js';
