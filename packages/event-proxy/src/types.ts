/** Plain data shapes shared by the events and the transaction. */

/** Lower-cased header names; an array sends the header once per value (e.g. set-cookie). */
export type HeaderMap = Record<string, string | string[]>;

export type BodyValue = Buffer | Uint8Array | string;

/** The request as it will be forwarded. Listeners may change any field. */
export interface ProxyRequest {
  method: string;
  /** Path and query as received (origin-form). Joined to the upstream's base path, never to a host. */
  url: string;
  headers: HeaderMap;
  /** Set to replace the body (Content-Length is fixed up); filled in by `event.body()`. */
  body?: BodyValue | undefined;
}

/** A response: the upstream's, or one a request filter forged. Listeners may change any field. */
export interface ProxyResponse {
  status: number;
  statusText?: string | undefined;
  headers: HeaderMap;
  /** Set to replace the body (Content-Length is fixed up); filled in by `event.body()`. */
  body?: BodyValue | undefined;
}

/**
 * How a transaction ended. The five of HARP's model, plus two for answers the proxy makes itself:
 * `listener_error` (a listener threw → 500) and `rejected` (bad target 400, body over a filter's limit 413/502).
 */
export type TransactionOutcome =
  | 'ok'
  | 'forged'
  | 'upstream_error'
  | 'timeout'
  | 'client_aborted'
  | 'listener_error'
  | 'rejected';

export interface TransactionTimings {
  /** Start of the transaction to its end (response finished or connection closed), ms. */
  totalMs: number;
  /** Upstream request dispatched to the upstream's response head, ms (undefined: no upstream head). */
  upstreamMs: number | undefined;
  /** Start of the transaction to the response head handed to the client socket, ms. */
  firstByteMs: number | undefined;
}

/** What every event of one transaction shares. `state` is a scratchpad for listeners. */
export interface TransactionInfo {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly remoteAddress: string;
  /** The listen address ("127.0.0.1:4000") that accepted the request. */
  readonly endpoint: string;
  /** Wall-clock start (ms since the epoch) for logs; durations use the monotonic clock. */
  readonly startedAt: number;
  /** The upstream origin chosen for this transaction (undefined until chosen, or when forged). */
  upstream: string | undefined;
  readonly state: Record<string, unknown>;
}
