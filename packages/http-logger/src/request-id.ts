import { randomUUID } from 'node:crypto';

/** Longest incoming request id we keep; anything longer is replaced (never logged raw). */
export const MAX_REQUEST_ID_LENGTH = 128;

// Letters, digits and a few separators used by common id formats (UUID, ULID, base64url, AWS
// trace ids). No spaces, quotes, commas or control characters: an id is safe in logs and headers.
const SAFE_ID = /^[A-Za-z0-9._~:@+=/-]+$/;

/** True when an incoming id may be kept as is. */
export function isValidRequestId(value: unknown, maxLength = MAX_REQUEST_ID_LENGTH): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && SAFE_ID.test(value);
}

export const mintRequestId: () => string = () => randomUUID();
