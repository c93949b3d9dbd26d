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
  // Most values (methods, paths, addresses, user agents) are printable ASCII with no quote or
  // backslash: they are quoted as they are, without JSON.stringify and a regular expression.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return asciiJson(JSON.stringify(value));
  }
  return `"${value}"`;
}

const MS_ZEROS = ['0.000000', '0.00000', '0.0000', '0.000', '0.00', '0.0', '0.'];

/**
 * A request's duration as Go's duration text (a JSON string literal, `µ` escaped:
 * `"394.823\u00b5s"`) and as milliseconds with six decimals (`0.394823`), both cut from one
 * decimal rendering of the nanoseconds: number-to-text conversion is the costly part.
 */
export class DurationText {
  go = '"0s"';
  ms = '0.000000';

  set(ns: bigint): void {
    // Negative only with an injected clock that went back; past 2^53 ns the bigint is exact.
    const negative = ns < 0n;
    const abs = negative ? -ns : ns;
    const n = Number(abs);
    const digits = Number.isSafeInteger(n) ? String(n) : abs.toString();
    const length = digits.length;
    const ms = length <= 6 ? MS_ZEROS[length] + digits : `${digits.slice(0, length - 6)}.${digits.slice(length - 6)}`;
    this.ms = negative ? `-${ms}` : ms;
    if (negative || length > 9) this.go = goDurationJson(ns);
    else if (length <= 3) this.go = n === 0 ? '"0s"' : `"${digits}ns"`;
    else if (length <= 6) this.go = `"${decimal(digits, length - 3)}\\u00b5s"`;
    else this.go = `"${decimal(digits, length - 6)}ms"`;
  }
}

/** digits with a decimal point after `whole` characters, trailing fraction zeros dropped. */
function decimal(digits: string, whole: number): string {
  let end = digits.length;
  while (end > whole && digits.charCodeAt(end - 1) === 0x30) end--;
  return end === whole ? digits.slice(0, whole) : `${digits.slice(0, whole)}.${digits.slice(whole, end)}`;
}

/** Go's duration text as a JSON string literal, `µ` escaped (`"394.823\u00b5s"`). */
function goDurationJson(ns: bigint): string {
  const text = formatGoDuration(ns);
  return text.endsWith('µs') ? `"${text.slice(0, -2)}\\u00b5s"` : `"${text}"`;
}
