import type { Writable } from 'node:stream';
import type { Clock, HostPort, Logger } from '@traffic/core';
import {
  booleanOption,
  functionOption,
  hostPortOption,
  InvalidOptionError,
  integerOption,
  noopLogger,
  numberOption,
  rejectUnknownOptions,
  stringOption,
  systemClock,
  urlOption,
} from '@traffic/core';
import type { BackendsFinishedListener, MungeRequestListener, SelectBackendsListener } from './hooks.js';

/** Unsafe methods allowed to reach shadows on one route: a path prefix, or a pattern with `*`. */
export interface RouteRule {
  path: string;
  methods: string[];
}

/** How the Host header is sent: the client's (`preserve`), the backend URL's (`backend`), or a fixed value. */
export type HostPolicy = 'preserve' | 'backend' | (string & {});

export interface ShadowProxyOptions {
  /** Where listen() binds: "host:port" or { host, port }. */
  listen?: string | HostPort;
  /** Master answer deadline in ms, counted from dispatch (socket queueing included) to the response head. */
  masterTimeoutMs?: number;
  /** Shadow deadline in ms, counted from dispatch to the end of the shadow's body. */
  shadowTimeoutMs?: number;
  /** Shadow requests in flight across all backends; over it a shadow is skipped as `dropped_overload`. */
  maxShadowsInFlight?: number;
  /** Request body bytes copied for shadows; a larger body goes to the master only (`skipped{body_too_large}`). */
  maxShadowBodyBytes?: number;
  /** Response bytes kept per backend for comparison; above it status, length and sha256 are compared. */
  captureBytes?: number;
  /** Methods shadowed on every route. */
  shadowMethods?: string[];
  /** Routes where more methods (POST, PUT...) are shadowed too. */
  allowMethods?: RouteRule[];
  /** Header added to shadow requests only (never to the master). */
  markerHeader?: string;
  markerValue?: string;
  /** Header carrying this proxy's id on every upstream request; a request that comes back gets 508. */
  loopHeader?: string;
  /** Add x-forwarded-for/-proto/-host (the same to every backend). */
  xForwarded?: boolean;
  /** Host header for shadows without their own `host` setting. */
  shadowHost?: HostPolicy;
  /** Percentage of eligible requests shadowed (0-100). */
  sampleRate?: number;
  /** Sticky sampling: hash this header's value, so one user is always in or always out. */
  sampleHeader?: string;
  /** Response headers never compared (lower case). */
  ignoreHeaders?: string[];
  /** JSON pointers (with `*` for any segment) whose subtrees are never compared. */
  ignorePaths?: string[];
  /** Arrays compared without order, matched by a field: { "/items": "id" }. */
  arrayKeys?: Record<string, string>;
  /** At most this many differences per exchange are reported. */
  maxDifferences?: number;
  /** Second master URL: differences between the two masters are noise, not regressions. */
  noiseMaster?: string;
  /** Where NDJSON diff records go (a Writable). */
  diffLog?: Writable;
  /** Bytes the diff log may have waiting before records are dropped (counted). */
  diffLogMaxPendingBytes?: number;
  /** Log `skipped` outcomes with reason `sampled_out` too (off: one line per unsampled request is noise). */
  diffLogSampledOut?: boolean;
  /** Headers whose values are replaced by "[redacted]" in the diff log. */
  redactHeaders?: string[];
  /** JSON field names / query parameters (case-insensitive substrings) redacted in the diff log. */
  redactFields?: string[];
  /** Emit a `stats` event every N ms (0: only the final one on close). */
  statsIntervalMs?: number;
  /** Distinct endpoints tracked for diff rates; the rest are counted under "(other)". */
  maxEndpoints?: number;
  /** Keep-alive connections per backend pool. */
  connectionsPerBackend?: number;
  /** Idle keep-alive sockets are closed after this many ms. */
  keepAliveTimeoutMs?: number;
  /** close(): after this many ms in-flight requests are cut. */
  closeTimeoutMs?: number;
  /** Access log through @traffic/http-logger: false, true, or its options. */
  accessLog?: boolean | Record<string, unknown>;
  selectBackends?: SelectBackendsListener;
  mungeRequest?: MungeRequestListener;
  backendsFinished?: BackendsFinishedListener;
  logger?: Logger;
  clock?: Clock;
}

export interface BackendOptions {
  /** Host header policy for this backend (shadows only; the master always keeps the client's Host). */
  host?: HostPolicy;
  /** Per-backend timeout in ms (defaults to masterTimeoutMs or shadowTimeoutMs). */
  timeoutMs?: number;
}

export const DEFAULT_IGNORE_HEADERS: readonly string[] = Object.freeze([
  'date',
  'server',
  'via',
  'age',
  'etag',
  'x-request-id',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

export const DEFAULT_REDACT_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
]);

export const DEFAULT_REDACT_FIELDS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'session',
]);

export const DEFAULTS = Object.freeze({
  listen: '127.0.0.1:8080',
  masterTimeoutMs: 30_000,
  shadowTimeoutMs: 5_000,
  maxShadowsInFlight: 100,
  maxShadowBodyBytes: 1024 * 1024,
  captureBytes: 1024 * 1024,
  shadowMethods: Object.freeze(['GET', 'HEAD', 'OPTIONS']) as readonly string[],
  allowMethods: Object.freeze([]) as readonly RouteRule[],
  markerHeader: 'x-shadow-request',
  markerValue: '1',
  loopHeader: 'x-shadow-loop',
  xForwarded: true,
  shadowHost: 'preserve' as HostPolicy,
  sampleRate: 100,
  sampleHeader: undefined as string | undefined,
  ignoreHeaders: DEFAULT_IGNORE_HEADERS,
  ignorePaths: Object.freeze([]) as readonly string[],
  arrayKeys: Object.freeze({}) as Readonly<Record<string, string>>,
  maxDifferences: 50,
  noiseMaster: undefined as string | undefined,
  diffLog: undefined as Writable | undefined,
  diffLogMaxPendingBytes: 1024 * 1024,
  diffLogSampledOut: false,
  redactHeaders: DEFAULT_REDACT_HEADERS,
  redactFields: DEFAULT_REDACT_FIELDS,
  statsIntervalMs: 0,
  maxEndpoints: 200,
  connectionsPerBackend: 128,
  keepAliveTimeoutMs: 4_000,
  closeTimeoutMs: 10_000,
  accessLog: false as boolean | Record<string, unknown>,
  selectBackends: undefined as SelectBackendsListener | undefined,
  mungeRequest: undefined as MungeRequestListener | undefined,
  backendsFinished: undefined as BackendsFinishedListener | undefined,
  logger: noopLogger as Logger,
  clock: systemClock as Clock,
});

export interface ResolvedOptions {
  listen: HostPort;
  masterTimeoutMs: number;
  shadowTimeoutMs: number;
  maxShadowsInFlight: number;
  maxShadowBodyBytes: number;
  captureBytes: number;
  shadowMethods: ReadonlySet<string>;
  allowMethods: readonly RouteRule[];
  markerHeader: string;
  markerValue: string;
  loopHeader: string;
  xForwarded: boolean;
  shadowHost: HostPolicy;
  sampleRate: number;
  sampleHeader: string | undefined;
  ignoreHeaders: ReadonlySet<string>;
  ignorePaths: readonly string[];
  arrayKeys: Readonly<Record<string, string>>;
  maxDifferences: number;
  noiseMaster: URL | undefined;
  diffLog: Writable | undefined;
  diffLogMaxPendingBytes: number;
  diffLogSampledOut: boolean;
  redactHeaders: ReadonlySet<string>;
  redactFields: readonly string[];
  statsIntervalMs: number;
  maxEndpoints: number;
  connectionsPerBackend: number;
  keepAliveTimeoutMs: number;
  closeTimeoutMs: number;
  accessLog: false | Record<string, unknown>;
  selectBackends: SelectBackendsListener | undefined;
  mungeRequest: MungeRequestListener | undefined;
  backendsFinished: BackendsFinishedListener | undefined;
  logger: Logger;
  clock: Clock;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function stringList(name: string, value: unknown, pattern?: RegExp): string[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(name, value, 'an array of strings');
  return value.map((item, index) => stringOption(`${name}[${index}]`, item, pattern));
}

function headerName(name: string, value: unknown): string {
  return stringOption(name, value, TOKEN, 'an HTTP header name (RFC 9110 token)').toLowerCase();
}

function hostPolicy(name: string, value: unknown): HostPolicy {
  return stringOption(name, value, /^[^\s/]+$/, '"preserve", "backend" or a host[:port] value');
}

export function validateBackendOptions(name: string, options: BackendOptions): BackendOptions {
  rejectUnknownOptions(name, options, { host: 1, timeoutMs: 1 });
  const out: BackendOptions = {};
  if (options.host !== undefined) out.host = hostPolicy(`${name}.host`, options.host);
  if (options.timeoutMs !== undefined) out.timeoutMs = integerOption(`${name}.timeoutMs`, options.timeoutMs, 1);
  return out;
}

/** Validate once, against DEFAULTS; a bad value throws InvalidOptionError naming it. */
export function resolveOptions(options: ShadowProxyOptions = {}): ResolvedOptions {
  rejectUnknownOptions('shadowProxy', options, DEFAULTS);
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  const allowMethods = Array.isArray(o.allowMethods)
    ? o.allowMethods.map((rule, index) => {
        const where = `allowMethods[${index}]`;
        if (rule === null || typeof rule !== 'object') throw new InvalidOptionError(where, rule, '{ path, methods }');
        rejectUnknownOptions(where, rule, { path: 1, methods: 1 });
        return {
          path: stringOption(
            `${where}.path`,
            rule.path,
            /^\//,
            'a path starting with "/" (a prefix, * matches a segment)',
          ),
          methods: stringList(`${where}.methods`, rule.methods, TOKEN).map((method) => method.toUpperCase()),
        };
      })
    : (() => {
        throw new InvalidOptionError('allowMethods', o.allowMethods, 'an array of { path, methods }');
      })();
  const arrayKeys = o.arrayKeys;
  if (arrayKeys === null || typeof arrayKeys !== 'object' || Array.isArray(arrayKeys))
    throw new InvalidOptionError('arrayKeys', arrayKeys, 'an object { "/json/pointer": "keyField" }');
  for (const [path, key] of Object.entries(arrayKeys)) {
    stringOption(`arrayKeys key`, path, /^(\/[^/]*)*$/, 'a JSON pointer such as "/items" ("" for the root)');
    stringOption(`arrayKeys["${path}"]`, key, /./, 'a field name');
  }
  const diffLog = o.diffLog;
  if (diffLog !== undefined && typeof (diffLog as Writable | undefined)?.write !== 'function')
    throw new InvalidOptionError('diffLog', diffLog, 'a Writable stream');
  const accessLog = o.accessLog;
  if (typeof accessLog !== 'boolean' && (accessLog === null || typeof accessLog !== 'object'))
    throw new InvalidOptionError('accessLog', accessLog, 'true, false or an options object for @traffic/http-logger');
  return {
    listen: hostPortOption('listen', o.listen),
    masterTimeoutMs: integerOption('masterTimeoutMs', o.masterTimeoutMs, 1),
    shadowTimeoutMs: integerOption('shadowTimeoutMs', o.shadowTimeoutMs, 1),
    maxShadowsInFlight: integerOption('maxShadowsInFlight', o.maxShadowsInFlight, 0),
    maxShadowBodyBytes: integerOption('maxShadowBodyBytes', o.maxShadowBodyBytes, 0),
    captureBytes: integerOption('captureBytes', o.captureBytes, 0),
    shadowMethods: new Set(stringList('shadowMethods', o.shadowMethods, TOKEN).map((method) => method.toUpperCase())),
    allowMethods,
    markerHeader: headerName('markerHeader', o.markerHeader),
    markerValue: stringOption('markerValue', o.markerValue, HEADER_VALUE, 'a header value without CR/LF'),
    loopHeader: headerName('loopHeader', o.loopHeader),
    xForwarded: booleanOption('xForwarded', o.xForwarded),
    shadowHost: hostPolicy('shadowHost', o.shadowHost),
    sampleRate: numberOption('sampleRate', o.sampleRate, 0, 100),
    sampleHeader: o.sampleHeader === undefined ? undefined : headerName('sampleHeader', o.sampleHeader),
    ignoreHeaders: new Set(stringList('ignoreHeaders', o.ignoreHeaders).map((name) => name.toLowerCase())),
    ignorePaths: stringList('ignorePaths', o.ignorePaths, /^(\/[^/]*)*$/),
    arrayKeys,
    maxDifferences: integerOption('maxDifferences', o.maxDifferences, 1),
    noiseMaster: o.noiseMaster === undefined ? undefined : urlOption('noiseMaster', o.noiseMaster, ['http:']),
    diffLog,
    diffLogMaxPendingBytes: integerOption('diffLogMaxPendingBytes', o.diffLogMaxPendingBytes, 0),
    diffLogSampledOut: booleanOption('diffLogSampledOut', o.diffLogSampledOut),
    redactHeaders: new Set(stringList('redactHeaders', o.redactHeaders).map((name) => name.toLowerCase())),
    redactFields: stringList('redactFields', o.redactFields).map((name) => name.toLowerCase()),
    statsIntervalMs: integerOption('statsIntervalMs', o.statsIntervalMs, 0),
    maxEndpoints: integerOption('maxEndpoints', o.maxEndpoints, 1, 100_000),
    connectionsPerBackend: integerOption('connectionsPerBackend', o.connectionsPerBackend, 1, 65_536),
    keepAliveTimeoutMs: integerOption('keepAliveTimeoutMs', o.keepAliveTimeoutMs, 1),
    closeTimeoutMs: integerOption('closeTimeoutMs', o.closeTimeoutMs, 0),
    accessLog: accessLog === true ? {} : accessLog === false ? false : accessLog,
    selectBackends: optionalFunction('selectBackends', o.selectBackends),
    mungeRequest: optionalFunction('mungeRequest', o.mungeRequest),
    backendsFinished: optionalFunction('backendsFinished', o.backendsFinished),
    logger: o.logger,
    clock: o.clock,
  };
}

function optionalFunction<T extends (...args: never[]) => unknown>(name: string, value: unknown): T | undefined {
  return value === undefined ? undefined : functionOption<T>(name, value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
