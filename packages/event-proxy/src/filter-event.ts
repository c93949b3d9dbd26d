import { HookEvent } from '@traffic/core';
import type { ProxyRequest, ProxyResponse, TransactionInfo } from './types.js';

export type FilterPhase = 'request' | 'response';

export interface BodyOptions {
  /** Most bytes to buffer; past it the proxy answers 413 (request) or 502 (response). */
  limit?: number;
}

/** Buffers the phase's body on demand (supplied by the transaction). */
export type BodyReader = (event: ProxyFilterEvent, options: BodyOptions | undefined) => Promise<Buffer>;

/**
 * The event of `filter.request`, `filter.response`, `client.filter.request` and
 * `client.filter.response`. A new one is made for every dispatch, so `stopPropagation()` ends that
 * dispatch only. In the request phase, setting `response` forges the answer: the upstream is not
 * called and the response filters still run.
 */
export class ProxyFilterEvent extends HookEvent {
  readonly phase: FilterPhase;
  readonly transaction: TransactionInfo;
  readonly request: ProxyRequest;
  response: ProxyResponse | undefined;
  readonly #reader: BodyReader;

  constructor(
    phase: FilterPhase,
    transaction: TransactionInfo,
    request: ProxyRequest,
    response: ProxyResponse | undefined,
    reader: BodyReader,
  ) {
    super();
    this.phase = phase;
    this.transaction = transaction;
    this.request = request;
    this.response = response;
    this.#reader = reader;
  }

  /** The upstream origin of this transaction, if one was chosen. */
  get upstream(): string | undefined {
    return this.transaction.upstream;
  }

  /**
   * Buffer this phase's body (the request body in the request phase, the response body in the
   * response phase) up to `limit` bytes and return it. The buffered body is forwarded unless a
   * listener replaces `request.body` / `response.body`. Past the limit it rejects and the proxy
   * answers 413 (request) or 502 (response).
   */
  body(options?: BodyOptions): Promise<Buffer> {
    return this.#reader(this, options);
  }
}
