/**
 * Every error the toolkit raises on purpose carries a stable `code` (TRAFFIC_ERR_<AREA>_<WHAT>).
 * docs/errors.md lists every code; test/error-codes.test.ts at the repo root keeps the two in sync.
 */
export class TrafficError extends Error {
  readonly code: string;
  /** Extra facts for logs and tests (what, where); never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrafficError';
    this.code = code;
    this.details = Object.freeze({ ...options.details });
  }
}

/** A bad option given to a factory: names the option, the value and what is allowed. */
export class InvalidOptionError extends TrafficError {
  readonly option: string;

  constructor(option: string, value: unknown, allowed: string) {
    super('TRAFFIC_ERR_OPTION_INVALID', `invalid option ${option}: ${describeValue(value)} (allowed: ${allowed})`, {
      details: { option, value: describeValue(value), allowed },
    });
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

export function isTrafficError(error: unknown): error is TrafficError {
  return error instanceof TrafficError;
}

/** A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Turn anything thrown into an Error, keeping TrafficErrors as they are. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : describeValue(thrown));
}
