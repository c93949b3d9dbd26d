import type { ProxyFilterEvent } from './filter-event.js';
import type { TransactionEndedEvent, TransactionMessageEvent, TransactionStartedEvent } from './transaction-events.js';

/** Every hook the proxy dispatches, in lifecycle order, with its event type. */
export type EventProxyHooks = {
  'transaction.started': TransactionStartedEvent;
  'filter.request': ProxyFilterEvent;
  'client.filter.request': ProxyFilterEvent;
  'client.filter.response': ProxyFilterEvent;
  'filter.response': ProxyFilterEvent;
  'transaction.message': TransactionMessageEvent;
  'transaction.ended': TransactionEndedEvent;
};

export type EventProxyHookName = keyof EventProxyHooks;

export const HOOK_NAMES: readonly EventProxyHookName[] = Object.freeze([
  'transaction.started',
  'filter.request',
  'client.filter.request',
  'client.filter.response',
  'filter.response',
  'transaction.message',
  'transaction.ended',
]);
