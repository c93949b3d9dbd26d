import type { IncomingHttpHeaders } from 'node:http';
import {
  connectionNamesRaw,
  HOP_BY_HOP_HEADERS,
  isHopByHop,
  rawHeaderStrings,
  stripHopByHop,
  stripHopByHopRaw,
} from '@traffic/core';
import type { HeaderMap } from './types.js';

/**
 * Header rewriting in both directions. Hop-by-hop headers (the RFC 9110 list and every header the
 * Connection header names) never cross the proxy; `Expect` is answered by node:http itself and
 * undici refuses to send it. Two forms: flat raw arrays for the no-listener fast path (case and
 * order kept, no object built) and lower-cased objects for listeners to edit.
 */
export interface ForwardContext {
  remoteAddress: string;
  xForwarded: boolean;
  /** When set, replaces the client's Host (changeOrigin). */
  upstreamHost: string | undefined;
  /** Lower-cased name and value of a request id to send instead of the client's (access log). */
  requestId?: { name: string; value: string } | undefined;
}

const XFF = 'x-forwarded-for';

/** Where forwarded headers go: a flat array (fast path) or a lower-cased object (listeners). */
type Sink = (name: string, lower: string, value: string) => void;

/** The one pass both forms share: hop-by-hop, Expect, Host, request id and X-Forwarded-* rules. */
function forwardEach(rawHeaders: readonly string[], context: ForwardContext, add: Sink): void {
  const named = connectionNamesRaw(rawHeaders);
  let priorFor: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (isHopByHop(lower, named) || lower === 'expect') continue;
    if (context.requestId !== undefined && lower === context.requestId.name) continue;
    if (lower === 'host') {
      host = value;
      if (context.upstreamHost !== undefined) continue;
    }
    if (context.xForwarded && lower.startsWith('x-forwarded-')) {
      if (lower === XFF) priorFor = priorFor === undefined ? value : `${priorFor}, ${value}`;
      if (lower === XFF || lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    }
    add(name, lower, value);
  }
  if (context.upstreamHost !== undefined) add('host', 'host', context.upstreamHost);
  if (context.requestId !== undefined) add(context.requestId.name, context.requestId.name, context.requestId.value);
  if (context.xForwarded) {
    add(XFF, XFF, priorFor === undefined ? context.remoteAddress : `${priorFor}, ${context.remoteAddress}`);
    add('x-forwarded-proto', 'x-forwarded-proto', 'http');
    if (host !== undefined) add('x-forwarded-host', 'x-forwarded-host', host);
  }
}

/** node:http rawHeaders → the flat [name, value, …] array sent upstream (case and order kept). */
export function forwardRequestHeadersRaw(rawHeaders: readonly string[], context: ForwardContext): string[] {
  const out: string[] = [];
  forwardEach(rawHeaders, context, (name, _lower, value) => {
    out.push(name, value);
  });
  return out;
}

/** Add one header to a lower-cased map; a repeated name becomes an array (sent once per value). */
function addHeader(out: HeaderMap, lower: string, value: string): void {
  const prior = out[lower];
  if (prior === undefined) out[lower] = value;
  else if (Array.isArray(prior)) prior.push(value);
  else out[lower] = [prior, value];
}

/**
 * node:http rawHeaders → an editable lower-cased object for listeners, in one pass (same rules as
 * the raw form; node's own req.headers object is never built).
 */
export function forwardRequestHeadersObjectRaw(rawHeaders: readonly string[], context: ForwardContext): HeaderMap {
  const out: HeaderMap = {};
  forwardEach(rawHeaders, context, (_name, lower, value) => addHeader(out, lower, value));
  return out;
}

/** node:http's parsed headers → an editable object for listeners (same rules as the raw form). */
export function forwardRequestHeadersObject(headers: IncomingHttpHeaders, context: ForwardContext): HeaderMap {
  const out = stripHopByHop(headers) as HeaderMap;
  const host = headers.host;
  delete out.expect;
  if (context.upstreamHost !== undefined) out.host = context.upstreamHost;
  if (context.xForwarded) {
    const prior = out[XFF];
    const priorText = Array.isArray(prior) ? prior.join(', ') : prior;
    out[XFF] =
      priorText === undefined || priorText === '' ? context.remoteAddress : `${priorText}, ${context.remoteAddress}`;
    out['x-forwarded-proto'] = 'http';
    if (host !== undefined) out['x-forwarded-host'] = host;
    else delete out['x-forwarded-host'];
  }
  return out;
}

/** undici's raw response headers (Buffers) → a flat string array without hop-by-hop headers. */
export function responseHeadersRaw(raw: readonly Buffer[]): string[] {
  return stripHopByHopRaw(rawHeaderStrings(raw));
}

/** undici's raw response headers → an editable lower-cased object without hop-by-hop headers. */
export function responseHeadersObject(raw: readonly Buffer[]): HeaderMap {
  const strings = rawHeaderStrings(raw);
  const named = connectionNamesRaw(strings);
  const out: HeaderMap = {};
  for (let i = 0; i < strings.length; i += 2) {
    const lower = (strings[i] as string).toLowerCase();
    if (!isHopByHop(lower, named)) addHeader(out, lower, strings[i + 1] as string);
  }
  return out;
}

/**
 * A listener-edited header object made safe to send: names lower-cased (so a later Content-Length
 * fix-up cannot leave a second copy), hop-by-hop headers removed, undefined values dropped. The
 * usual case (already clean) is checked in one pass and returned as is: callers copy before
 * changing it.
 */
export function cleanHeaderMap(headers: HeaderMap): HeaderMap {
  let clean = headers.connection === undefined;
  if (clean) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined || value === null || HOP_BY_HOP_HEADERS.has(name) || name !== name.toLowerCase()) {
        clean = false;
        break;
      }
    }
  }
  if (clean) return headers;
  const lower: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    const key = name.toLowerCase();
    const prior = lower[key];
    if (prior === undefined) lower[key] = value;
    else lower[key] = [...(Array.isArray(prior) ? prior : [prior]), ...(Array.isArray(value) ? value : [value])];
  }
  return stripHopByHop(lower) as HeaderMap;
}

/** True when the request carries a body (Content-Length other than 0, or Transfer-Encoding). */
export function rawHasBody(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      if ((rawHeaders[i + 1] as string).trim() !== '0') return true;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true;
  }
  return false;
}
