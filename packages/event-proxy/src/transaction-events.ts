import { HookEvent } from '@traffic/core';
import type { ProxyRequest, ProxyResponse, TransactionInfo, TransactionOutcome, TransactionTimings } from './types.js';

/** `transaction.started`: a request arrived; nothing has been forwarded yet. */
export class TransactionStartedEvent extends HookEvent {
  readonly transaction: TransactionInfo;
  readonly request: ProxyRequest;

  constructor(transaction: TransactionInfo, request: ProxyRequest) {
    super();
    this.transaction = transaction;
    this.request = request;
  }
}

export type MessageKind = 'request' | 'response' | 'error';

/**
 * `transaction.message`: the request as it leaves the request filters, the response as it leaves
 * the response filters, or an error the proxy answers for. For observing; change things in filters.
 */
export class TransactionMessageEvent extends HookEvent {
  readonly transaction: TransactionInfo;
  readonly kind: MessageKind;
  readonly request: ProxyRequest;
  readonly response: ProxyResponse | undefined;
  readonly failure: Error | undefined;

  constructor(
    transaction: TransactionInfo,
    kind: MessageKind,
    request: ProxyRequest,
    response: ProxyResponse | undefined,
    failure: Error | undefined,
  ) {
    super();
    this.transaction = transaction;
    this.kind = kind;
    this.request = request;
    this.response = response;
    this.failure = failure;
  }
}

/** `transaction.ended`: fired exactly once per transaction, whatever happened. */
export class TransactionEndedEvent extends HookEvent {
  readonly transaction: TransactionInfo;
  readonly outcome: TransactionOutcome;
  /** The status sent to the client (undefined when no head was sent). */
  readonly status: number | undefined;
  readonly timings: TransactionTimings;
  /** Why it did not end `ok`/`forged`, when known. */
  readonly failure: Error | undefined;

  constructor(
    transaction: TransactionInfo,
    outcome: TransactionOutcome,
    status: number | undefined,
    timings: TransactionTimings,
    failure: Error | undefined,
  ) {
    super();
    this.transaction = transaction;
    this.outcome = outcome;
    this.status = status;
    this.timings = timings;
    this.failure = failure;
  }
}
