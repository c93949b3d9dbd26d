import { connectionNamesRaw, isHopByHop, rawHeaderStrings, stripHopByHopRaw } from '@traffic/core';
import type { HostPolicy } from './options.js';

/**
 * Request and response header rules. Hop-by-hop headers (and every name listed in Connection) are
 * dropped both ways; `expect` is answered by node itself; the marker header never reaches the master;
 * x-forwarded-* is computed once so every backend gets the same values.
 */
export interface RequestHeaderPolicy {
  markerHeader: string;
  loopHeader: string;
  proxyId: string;
  xForwarded: boolean;
}

export interface PreparedHeaders {
  /** [name, value, ...] for the master: client order and case, minus hop-by-hop and marker. */
  headers: string[];
  /** Index of the Host value in `headers` (-1 when the client sent none). */
  hostIndex: number;
  /** The client request already carried the marker header (it is someone's shadow request). */
  hadMarker: boolean;
  /** The loop header carried this proxy's id: the request came back to us. */
  looped: boolean;
}

export function prepareRequestHeaders(
  raw: readonly string[],
  policy: RequestHeaderPolicy,
  remoteAddress: string,
  encrypted: boolean,
): PreparedHeaders {
  const named = connectionNamesRaw(raw);
  const headers: string[] = [];
  let hostIndex = -1;
  let hadMarker = false;
  let looped = false;
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let loop: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (isHopByHop(lower, named) || lower === 'expect') continue;
    if (lower === policy.markerHeader) {
      hadMarker = true;
      continue;
    }
    if (lower === policy.loopHeader) {
      if (value.split(',').some((part) => part.trim() === policy.proxyId)) looped = true;
      loop = loop === undefined ? value : `${loop}, ${value}`;
      continue;
    }
    if (policy.xForwarded) {
      if (lower === 'x-forwarded-for') {
        xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      }
      if (lower === 'x-forwarded-proto') {
        xfp ??= value;
        continue;
      }
      if (lower === 'x-forwarded-host') {
        xfh ??= value;
        continue;
      }
    }
    if (lower === 'host') {
      hostIndex = headers.length + 1;
      host = value;
    }
    headers.push(name, value);
  }
  if (policy.xForwarded) {
    headers.push('x-forwarded-for', xff === undefined ? remoteAddress : `${xff}, ${remoteAddress}`);
    headers.push('x-forwarded-proto', xfp ?? (encrypted ? 'https' : 'http'));
    if (xfh !== undefined || host !== undefined) headers.push('x-forwarded-host', (xfh ?? host) as string);
  }
  headers.push(policy.loopHeader, loop === undefined ? policy.proxyId : `${loop}, ${policy.proxyId}`);
  return { headers, hostIndex, hadMarker, looped };
}

/** A copy of the prepared headers with Host chosen by policy. */
export function withHost(prepared: PreparedHeaders, host: HostPolicy, backendAuthority: string): string[] {
  const headers = prepared.headers.slice();
  if (host !== 'preserve') {
    const value = host === 'backend' ? backendAuthority : host;
    if (prepared.hostIndex >= 0) headers[prepared.hostIndex] = value;
    else headers.push('host', value);
  }
  return headers;
}

/** The headers for one shadow: Host by policy, plus the marker. */
export function shadowHeaders(
  prepared: PreparedHeaders,
  host: HostPolicy,
  backendAuthority: string,
  markerHeader: string,
  markerValue: string,
): string[] {
  const headers = withHost(prepared, host, backendAuthority);
  headers.push(markerHeader, markerValue);
  return headers;
}

/** undici raw response headers (Buffers) → [name, value, ...] strings minus hop-by-hop. */
export function responseHeaders(raw: readonly Buffer[]): string[] {
  return stripHopByHopRaw(rawHeaderStrings(raw));
}
