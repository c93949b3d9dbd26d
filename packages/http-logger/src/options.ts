import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  booleanOption,
  type Clock,
  functionOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  noopLogger,
  rejectUnknownOptions,
  stringOption,
  systemClock,
} from '@traffic/core';
import { asciiJson, jsonString } from './json-text.js';
import { DEFAULT_REDACTED_QUERY_PARAMS } from './redact-url.js';
import { MAX_REQUEST_ID_LENGTH } from './request-id.js';
import { defaultRouteTemplate, type RouteTemplateFn } from './route-template.js';
import type { SinkInput } from './sink.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from './stream-sink.js';

/** Fields a line can carry, in the order they are written. */
export const LOG_FIELDS = Object.freeze([
  'time',
  'request_id',
  'method',
  'url',
  'status',
  'duration',
  'duration_ms',
  'bytes',
  'ip_address',
  'user_agent',
  'aborted',
  'traceparent',
] as const);
export type LogField = (typeof LOG_FIELDS)[number];

export type ExtraFields =
  | Readonly<Record<string, unknown>>
  | ((req: IncomingMessage, res: ServerResponse) => Record<string, unknown> | undefined);

export interface HttpLoggerOptions {
  /** One more destination (a LogSink, a function (line) => void, or a writable stream). */
  sink?: SinkInput;
  /** More destinations. */
  sinks?: readonly SinkInput[];
  /** Also write to process.stdout. Default: true unless `sink` or `sinks` is given. */
  stdout?: boolean;
  /** Fields to write (default: all but `traceparent`, which follows the `traceparent` option). */
  fields?: readonly LogField[];
  /** Extra fields: an object (serialised once) or a function of (req, res) called per line. */
  extraFields?: ExtraFields;
  /** Header carrying the request id, both ways. Default 'X-Request-Id'. */
  requestIdHeader?: string;
  /** Keep a valid incoming request id (true) or always mint one (false). Default true. */
  trustIncomingId?: boolean;
  /** Longest incoming id kept (1..128). Default 128. */
  maxIdLength?: number;
  /** Set the request id header on the response. Default true. */
  setResponseHeader?: boolean;
  /** Make a new id; default crypto.randomUUID. */
  generateId?: () => string;
  /** Propagate W3C traceparent: keep a valid incoming one or mint one; logged as `traceparent`. Default false. */
  traceparent?: boolean;
  /** With `traceparent`: also set it on req.headers (so a proxy forwards it). Default true. */
  traceparentOnRequest?: boolean;
  /** With `traceparent`: also set it on the response. Default false. */
  traceparentOnResponse?: boolean;
  /** Query parameters whose values are replaced by [REDACTED] (case-insensitive names). */
  redactQuery?: readonly string[];
  /** Longer URLs are cut in the log (marked with …). Default 8192. */
  maxUrlLength?: number;
  /** Log the first X-Forwarded-For address instead of the socket's (only behind your own proxy). Default false. */
  trustProxy?: boolean;
  /** Keep counters per status class and route template. Default false. */
  counters?: boolean;
  /** Route table size; more routes go to the `other` bucket. Default 500. */
  maxRoutes?: number;
  /** Route template for counters; default: matched express route or the path with ids collapsed. */
  routeTemplate?: RouteTemplateFn;
  /** The wrapper/middleware itself answers GET countersPath and metricsPath (implies counters). Default false. */
  serveCounters?: boolean;
  countersPath?: string;
  metricsPath?: string;
  /** Do not log (nor count) requests for which this returns true, e.g. health checks. */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Per stream sink: bytes buffered while the destination is busy before lines are dropped. Default 8 MiB. */
  maxBufferedBytes?: number;
  clock?: Clock;
  /** Where the logger reports its own problems (sink failures). Default: no-op. */
  logger?: Logger;
}

export const DEFAULTS = Object.freeze({
  sink: undefined,
  sinks: Object.freeze([]) as readonly SinkInput[],
  stdout: undefined,
  fields: undefined,
  extraFields: undefined,
  requestIdHeader: 'X-Request-Id',
  trustIncomingId: true,
  maxIdLength: MAX_REQUEST_ID_LENGTH,
  setResponseHeader: true,
  generateId: undefined,
  traceparent: false,
  traceparentOnRequest: true,
  traceparentOnResponse: false,
  redactQuery: DEFAULT_REDACTED_QUERY_PARAMS,
  maxUrlLength: 8192,
  trustProxy: false,
  counters: false,
  maxRoutes: 500,
  routeTemplate: defaultRouteTemplate,
  serveCounters: false,
  countersPath: '/__/counters',
  metricsPath: '/metrics',
  skip: undefined,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  clock: systemClock,
  logger: noopLogger,
});

export interface ResolvedOptions {
  sinks: readonly SinkInput[];
  stdout: boolean;
  fields: ReadonlySet<LogField>;
  staticExtra: string;
  extraFn: ((req: IncomingMessage, res: ServerResponse) => Record<string, unknown> | undefined) | undefined;
  /** Lower-cased, for lookups in req.headers. */
  requestIdHeader: string;
  /** As given (default X-Request-Id), for the response header. */
  requestIdHeaderName: string;
  trustIncomingId: boolean;
  maxIdLength: number;
  setResponseHeader: boolean;
  generateId: (() => string) | undefined;
  traceparent: boolean;
  traceparentOnRequest: boolean;
  traceparentOnResponse: boolean;
  redactQuery: ReadonlySet<string>;
  maxUrlLength: number;
  trustProxy: boolean;
  counters: boolean;
  maxRoutes: number;
  routeTemplate: RouteTemplateFn;
  serveCounters: boolean;
  countersPath: string;
  metricsPath: string;
  skip: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  maxBufferedBytes: number;
  clock: Clock;
  logger: Logger;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PATH = /^\/[^\s?#]*$/;

function pick<K extends keyof typeof DEFAULTS>(options: HttpLoggerOptions, key: K): unknown {
  const value = (options as Record<string, unknown>)[key];
  return value === undefined ? DEFAULTS[key] : value;
}

/** Validate once, in the factory; every bad option is an InvalidOptionError naming it. */
export function resolveOptions(options: HttpLoggerOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('httpLogger options', options, 'an object');
  }
  rejectUnknownOptions('httpLogger', options, DEFAULTS);
  const sinks: SinkInput[] = [];
  if (options.sink !== undefined) sinks.push(options.sink);
  if (options.sinks !== undefined) {
    if (!Array.isArray(options.sinks)) throw new InvalidOptionError('httpLogger.sinks', options.sinks, 'an array');
    sinks.push(...options.sinks);
  }
  const stdout = options.stdout === undefined ? sinks.length === 0 : booleanOption('httpLogger.stdout', options.stdout);
  const traceparent = booleanOption('httpLogger.traceparent', pick(options, 'traceparent'));

  let fields: Set<LogField>;
  if (options.fields === undefined) {
    fields = new Set(LOG_FIELDS.filter((field) => field !== 'traceparent' || traceparent));
  } else {
    if (!Array.isArray(options.fields)) {
      throw new InvalidOptionError('httpLogger.fields', options.fields, `an array of ${LOG_FIELDS.join(', ')}`);
    }
    for (const field of options.fields) {
      if (!(LOG_FIELDS as readonly string[]).includes(field)) {
        throw new InvalidOptionError('httpLogger.fields', field, `names from ${LOG_FIELDS.join(', ')}`);
      }
    }
    fields = new Set(options.fields);
  }

  let staticExtra = '';
  let extraFn: ResolvedOptions['extraFn'];
  const extra = options.extraFields;
  if (typeof extra === 'function') {
    extraFn = extra;
  } else if (extra !== undefined) {
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      throw new InvalidOptionError('httpLogger.extraFields', extra, 'an object or a function (req, res) => object');
    }
    // Serialised once: a static field costs one string concatenation per line.
    for (const [key, value] of Object.entries(extra)) {
      if ((LOG_FIELDS as readonly string[]).includes(key)) {
        throw new InvalidOptionError(`httpLogger.extraFields.${key}`, value, 'a name not used by a standard field');
      }
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        json = undefined;
      }
      if (json === undefined) {
        throw new InvalidOptionError(`httpLogger.extraFields.${key}`, value, 'a JSON-serialisable value');
      }
      staticExtra += `,${jsonString(key)}:${asciiJson(json)}`;
    }
  }

  const redact = pick(options, 'redactQuery');
  if (!Array.isArray(redact) || redact.some((name) => typeof name !== 'string')) {
    throw new InvalidOptionError('httpLogger.redactQuery', redact, 'an array of query parameter names');
  }

  const generateId = options.generateId;
  if (generateId !== undefined) functionOption('httpLogger.generateId', generateId);
  const skip = options.skip;
  if (skip !== undefined) functionOption('httpLogger.skip', skip);
  const clock = pick(options, 'clock') as Clock;
  if (clock === null || typeof clock !== 'object' || typeof clock.nowNs !== 'function') {
    throw new InvalidOptionError('httpLogger.clock', clock, 'a Clock (nowNs, nowMs, wallMs)');
  }
  const logger = pick(options, 'logger') as Logger;
  if (logger === null || typeof logger !== 'object' || typeof logger.error !== 'function') {
    throw new InvalidOptionError('httpLogger.logger', logger, 'a Logger');
  }
  const serveCounters = booleanOption('httpLogger.serveCounters', pick(options, 'serveCounters'));

  const requestIdHeaderName = stringOption(
    'httpLogger.requestIdHeader',
    pick(options, 'requestIdHeader'),
    HEADER_NAME,
    'an HTTP header name',
  );
  return {
    sinks,
    stdout,
    fields,
    staticExtra,
    extraFn,
    requestIdHeader: requestIdHeaderName.toLowerCase(),
    requestIdHeaderName,
    trustIncomingId: booleanOption('httpLogger.trustIncomingId', pick(options, 'trustIncomingId')),
    maxIdLength: integerOption('httpLogger.maxIdLength', pick(options, 'maxIdLength'), 1, MAX_REQUEST_ID_LENGTH),
    setResponseHeader: booleanOption('httpLogger.setResponseHeader', pick(options, 'setResponseHeader')),
    generateId,
    traceparent,
    traceparentOnRequest: booleanOption('httpLogger.traceparentOnRequest', pick(options, 'traceparentOnRequest')),
    traceparentOnResponse: booleanOption('httpLogger.traceparentOnResponse', pick(options, 'traceparentOnResponse')),
    redactQuery: new Set((redact as string[]).map((name) => name.toLowerCase())),
    maxUrlLength: integerOption('httpLogger.maxUrlLength', pick(options, 'maxUrlLength'), 16, 1024 * 1024),
    trustProxy: booleanOption('httpLogger.trustProxy', pick(options, 'trustProxy')),
    counters: serveCounters || booleanOption('httpLogger.counters', pick(options, 'counters')),
    maxRoutes: integerOption('httpLogger.maxRoutes', pick(options, 'maxRoutes'), 1, 100_000),
    routeTemplate: functionOption<RouteTemplateFn>('httpLogger.routeTemplate', pick(options, 'routeTemplate')),
    serveCounters,
    countersPath: stringOption(
      'httpLogger.countersPath',
      pick(options, 'countersPath'),
      PATH,
      'a path like /__/counters',
    ),
    metricsPath: stringOption('httpLogger.metricsPath', pick(options, 'metricsPath'), PATH, 'a path like /metrics'),
    skip,
    maxBufferedBytes: integerOption('httpLogger.maxBufferedBytes', pick(options, 'maxBufferedBytes'), 1024),
    clock,
    logger,
  };
}
