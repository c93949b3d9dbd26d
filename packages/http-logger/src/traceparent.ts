import { randomBytes } from 'node:crypto';

// W3C Trace Context: version-traceid-parentid-flags, lower-case hex.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);

/** True for a traceparent we may propagate (W3C rules: no all-zero ids, version ff invalid). */
export function isValidTraceparent(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 55 || value.length > 512) return false;
  const match = TRACEPARENT.exec(value);
  if (!match) return false;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || traceId === ZERO_TRACE || parentId === ZERO_PARENT) return false;
  // Version 00 has exactly four fields; later versions may append more.
  return version !== '00' || rest === undefined;
}

/** A fresh traceparent (version 00, random trace and parent ids, not sampled). */
export function mintTraceparent(): string {
  const bytes = randomBytes(24).toString('hex');
  return `00-${bytes.slice(0, 32)}-${bytes.slice(32)}-00`;
}
