import { TrafficError } from '@traffic/core';

/**
 * The coded errors of the event proxy. Each one that reaches a client becomes a short proxy-made
 * response whose status is fixed here, so a user can map a status back to a code.
 */
export const EVENT_PROXY_ERRORS = Object.freeze({
  /** The upstream refused, reset or broke the connection, or answered something undici rejects. */
  UPSTREAM_ERROR: { code: 'TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_ERROR', status: 502 },
  /** Connect, headers or body timeout towards the upstream. */
  UPSTREAM_TIMEOUT: { code: 'TRAFFIC_ERR_EVENT_PROXY_UPSTREAM_TIMEOUT', status: 504 },
  /** A filter asked for the request body and it was larger than its limit. */
  REQUEST_BODY_TOO_LARGE: { code: 'TRAFFIC_ERR_EVENT_PROXY_REQUEST_BODY_TOO_LARGE', status: 413 },
  /** A filter asked for the response body and it was larger than its limit. */
  RESPONSE_BODY_TOO_LARGE: { code: 'TRAFFIC_ERR_EVENT_PROXY_RESPONSE_BODY_TOO_LARGE', status: 502 },
  /** A listener threw (or set an invalid response). */
  LISTENER_FAILED: { code: 'TRAFFIC_ERR_EVENT_PROXY_LISTENER_FAILED', status: 500 },
  /** The request target is neither origin-form nor absolute-form. */
  BAD_TARGET: { code: 'TRAFFIC_ERR_EVENT_PROXY_BAD_TARGET', status: 400 },
  /** The client went away before the response was complete. */
  CLIENT_ABORTED: { code: 'TRAFFIC_ERR_EVENT_PROXY_CLIENT_ABORTED', status: 499 },
});

export type EventProxyErrorKind = keyof typeof EVENT_PROXY_ERRORS;

export function proxyError(
  kind: EventProxyErrorKind,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): TrafficError {
  return new TrafficError(EVENT_PROXY_ERRORS[kind].code, message, options);
}

/** The status a proxy-made answer for this error gets (500 for anything uncoded). */
export function statusForError(error: Error): number {
  const code = (error as { code?: unknown }).code;
  for (const entry of Object.values(EVENT_PROXY_ERRORS)) if (entry.code === code) return entry.status;
  return 500;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Map an undici failure onto our codes: timeouts → 504, everything else → 502. */
export function upstreamFailure(cause: Error, upstream: string): TrafficError {
  const code = String((cause as { code?: unknown }).code ?? '');
  if (TIMEOUT_CODES.has(code)) {
    return proxyError('UPSTREAM_TIMEOUT', `upstream ${upstream} timed out (${code})`, {
      cause,
      details: { upstream, cause: code },
    });
  }
  return proxyError('UPSTREAM_ERROR', `upstream ${upstream} failed: ${code || cause.message}`, {
    cause,
    details: { upstream, cause: code || cause.message },
  });
}
