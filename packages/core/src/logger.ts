import { inspect } from 'node:util';
import { oneOfOption } from './options.js';

/**
 * Pino-shaped logger. Libraries default to noopLogger; the CLI injects a stderr logger. Libraries
 * never write to stdout (for gor middleware, stdout is the protocol).
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

export interface Logger {
  readonly level: LogLevel;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
const LEVEL_VALUE: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

const noop: LogFn = () => {};

export const noopLogger: Logger = Object.freeze({
  level: 'silent' as const,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => noopLogger,
  isLevelEnabled: () => false,
});

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default process.stderr. Anything with write(string). */
  destination?: { write(chunk: string): unknown };
  bindings?: Record<string, unknown>;
}

/** A logger writing one line per record: NDJSON (`json`) or `HH:MM:SS.mmm LEVEL msg key=value` (`pretty`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = oneOfOption('level', options.level ?? 'info', LOG_LEVELS);
  const format = oneOfOption('format', options.format ?? 'json', LOG_FORMATS);
  const destination = options.destination ?? process.stderr;
  return buildLogger(level, format, destination, options.bindings ?? {});
}

function buildLogger(
  level: LogLevel,
  format: LogFormat,
  destination: { write(chunk: string): unknown },
  bindings: Record<string, unknown>,
): Logger {
  const threshold = LEVEL_VALUE[level];
  const make = (name: Exclude<LogLevel, 'silent'>): LogFn => {
    if (LEVEL_VALUE[name] < threshold) return noop;
    return ((fieldsOrMessage: object | string, message?: string) => {
      const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
      const msg = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
      destination.write(
        format === 'json' ? jsonLine(name, bindings, fields, msg) : prettyLine(name, bindings, fields, msg),
      );
    }) as LogFn;
  };
  return {
    level,
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    fatal: make('fatal'),
    child: (more) => buildLogger(level, format, destination, { ...bindings, ...more }),
    isLevelEnabled: (name) => LEVEL_VALUE[name] >= threshold,
  };
}

function serializable(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? serializeError(value) : typeof value === 'bigint' ? String(value) : value;
  }
  return out;
}

function serializeError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack };
}

function jsonLine(level: string, bindings: Record<string, unknown>, fields: object, msg: string | undefined): string {
  const record = {
    level,
    time: new Date().toISOString(),
    ...bindings,
    ...serializable(fields),
    ...(msg === undefined ? {} : { msg }),
  };
  try {
    return `${JSON.stringify(record)}\n`;
  } catch {
    return `${JSON.stringify({ level, time: record.time, msg, note: 'fields were not serializable' })}\n`;
  }
}

function prettyLine(level: string, bindings: Record<string, unknown>, fields: object, msg: string | undefined): string {
  const time = new Date().toISOString().slice(11, 23);
  const pairs = Object.entries({ ...bindings, ...fields })
    .map(([key, value]) =>
      value instanceof Error
        ? `${key}=${value.message}${(value as { code?: string }).code ? ` (${(value as { code?: string }).code})` : ''}`
        : `${key}=${typeof value === 'string' ? value : inspect(value, { breakLength: Infinity, depth: 3 })}`,
    )
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg ?? ''}${pairs ? ` ${pairs}` : ''}\n`;
}
