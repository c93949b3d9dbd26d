import { HookEvent } from '@traffic/core';

/**
 * The three Geest/kage hooks as HookRegistry events. A listener may also return a value: an array
 * of names from selectBackends replaces the selection, as in Geest's `selectBackends(req) → names`.
 */

/** What the hooks see of the client's request (the body is never exposed: it streams). */
export interface ShadowRequest {
  /** Per-process sequence number of this request. */
  readonly id: number;
  readonly method: string;
  /** The request target exactly as the client sent it. */
  readonly url: string;
  /** [name, value, ...] as the client sent them (case, order and duplicates kept). */
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string;
}

/** One upstream request, changeable by mungeRequest before it is dispatched. */
export interface UpstreamRequest {
  method: string;
  /** Path and query, sent byte-identical unless a hook changes it. */
  path: string;
  /** [name, value, ...] sent to this backend. */
  headers: string[];
}

export type BackendRole = 'master' | 'shadow' | 'noise';

/** The outcome of one backend call, as backendsFinished sees it. */
export interface BackendResult {
  name: string;
  role: BackendRole;
  /** Undefined when the call failed before a response head. */
  status: number | undefined;
  /** [name, value, ...] of the response as received (hop-by-hop included). */
  rawHeaders: string[];
  /** The captured body (up to captureBytes, still content-encoded). */
  body: Buffer;
  /** Total body bytes received. */
  bodyBytes: number;
  /** True when body holds only the first captureBytes bytes. */
  truncated: boolean;
  /** sha256 (hex) of the whole body as received. */
  sha256: string;
  /** ms from dispatch to the end of the response (or to the failure). */
  durationMs: number;
  error: Error | undefined;
  timedOut: boolean;
}

export class SelectBackendsEvent extends HookEvent {
  readonly request: ShadowRequest;
  /** Names to send this request to; the master's name keeps it the answering backend. */
  backends: string[];

  constructor(request: ShadowRequest, backends: string[]) {
    super();
    this.request = request;
    this.backends = backends;
  }
}

export class MungeRequestEvent extends HookEvent {
  readonly backend: string;
  readonly role: BackendRole;
  readonly request: ShadowRequest;
  readonly upstream: UpstreamRequest;

  constructor(backend: string, role: BackendRole, request: ShadowRequest, upstream: UpstreamRequest) {
    super();
    this.backend = backend;
    this.role = role;
    this.request = request;
    this.upstream = upstream;
  }
}

export class BackendsFinishedEvent extends HookEvent {
  readonly request: ShadowRequest;
  readonly results: readonly BackendResult[];
  /** Set to true to skip the built-in comparison for this request (you compared it yourself). */
  skipComparison = false;

  constructor(request: ShadowRequest, results: readonly BackendResult[]) {
    super();
    this.request = request;
    this.results = results;
  }
}

export type SelectBackendsListener = (event: SelectBackendsEvent) => unknown;
export type MungeRequestListener = (event: MungeRequestEvent) => unknown;
export type BackendsFinishedListener = (event: BackendsFinishedEvent) => unknown;

export interface ShadowHooks {
  [name: string]: HookEvent;
  selectBackends: SelectBackendsEvent;
  mungeRequest: MungeRequestEvent;
  backendsFinished: BackendsFinishedEvent;
}
