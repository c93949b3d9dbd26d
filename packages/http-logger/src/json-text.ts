import { formatGoDuration } from '@traffic/core';

// Lines are kept pure ASCII: non-ASCII characters are written as \uXXXX escapes (same JSON value).
// Encoding an ASCII string to UTF-8 bytes is a straight copy; a single `µ` in a batch sends V8 down
// a per-character path that costs more than building the line (measured ~15x on a 100-line batch).
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escape non-ASCII characters of JSON text as \uXXXX. */
export function asciiJson(json: string): string {
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeChar) : json;
}

/** A JSON string literal for any string: JSON.stringify escaping (quotes, controls), ASCII only. */
export function jsonString(value: string): string {
  return asciiJson(JSON.stringify(value));
}

/** Go's duration text as a JSON string literal, `µ` escaped (`"394.823\u00b5s"`). */
export function goDurationJson(ns: bigint): string {
  const text = formatGoDuration(ns);
  return text.endsWith('µs') ? `"${text.slice(0, -2)}\\u00b5s"` : `"${text}"`;
}

/** Milliseconds with six decimals from nanoseconds, exact, using integer formatting only. */
export function msText(ns: bigint): string {
  const n = Number(ns);
  const whole = Math.floor(n / 1e6);
  return `${whole}.${String(((n - whole * 1e6) | 0) + 1e6).slice(1)}`;
}
