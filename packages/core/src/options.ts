import { InvalidOptionError } from './errors.js';

/**
 * Small validators used by every factory: validate once, against frozen defaults, and throw an
 * InvalidOptionError that names the option, the value and what is allowed.
 */
export function integerOption(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function numberOption(name: string, value: unknown, min: number, max = Number.MAX_VALUE): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new InvalidOptionError(name, value, `a number from ${min} to ${max}`);
  }
  return value;
}

export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false');
  return value;
}

export function stringOption(name: string, value: unknown, pattern?: RegExp, allowed?: string): string {
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) {
    throw new InvalidOptionError(name, value, allowed ?? (pattern ? `a string matching ${pattern}` : 'a string'));
  }
  return value;
}

export function oneOfOption<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, value, `one of ${choices.join(', ')}`);
  }
  return value as T;
}

export function functionOption<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw new InvalidOptionError(name, value, 'a function');
  return value as T;
}

/** An absolute http(s) URL; returns the parsed URL. */
export function urlOption(name: string, value: unknown, protocols: readonly string[] = ['http:', 'https:']): URL {
  if (typeof value === 'string' || value instanceof URL) {
    try {
      const url = new URL(String(value));
      if (protocols.includes(url.protocol)) return url;
    } catch {
      // fall through to the error below
    }
  }
  throw new InvalidOptionError(name, value, `an absolute URL (${protocols.join(' or ')}), e.g. http://127.0.0.1:9000`);
}

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port", "[::1]:port" or ":port" / "port" (host defaults to 127.0.0.1: loopback unless asked). */
export function hostPortOption(name: string, value: unknown, defaultHost = '127.0.0.1'): HostPort {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string') {
    // The host part (with its colon) is optional as a whole, so "8000" is a port, never host "800".
    const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):)?(\d{1,5})$/.exec(text);
    if (match) {
      const port = Number(match[3]);
      const host = match[1] || match[2] || defaultHost;
      if (port <= 65535) return { host, port };
    }
  }
  throw new InvalidOptionError(name, value, 'host:port with a port from 0 to 65535, e.g. 127.0.0.1:8080 or [::1]:8080');
}

/** Reject keys a factory does not know, so a typo never silently falls back to a default. */
export function rejectUnknownOptions(scope: string, given: object, known: object): void {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(known, key)) {
      throw new InvalidOptionError(
        `${scope}.${key}`,
        (given as Record<string, unknown>)[key],
        `known options: ${Object.keys(known).join(', ')}`,
      );
    }
  }
}
