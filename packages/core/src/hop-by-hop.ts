/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes them
 * in both directions, together with every header the Connection header names.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** The lower-cased names a message's Connection header(s) declare hop-by-hop. */
export function connectionHeaderNames(connection: string | readonly string[] | undefined): Set<string> {
  const names = new Set<string>();
  if (connection === undefined) return names;
  for (const value of typeof connection === 'string' ? [connection] : connection) {
    for (const part of value.split(',')) {
      const name = part.trim().toLowerCase();
      if (name !== '') names.add(name);
    }
  }
  return names;
}

/** True when `name` (any case) must not be forwarded. */
export function isHopByHop(name: string, connectionNames?: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP_HEADERS.has(lower) || (connectionNames?.has(lower) ?? false);
}

/**
 * The names the Connection header(s) of a rawHeaders array ([name, value, ...]) declare
 * hop-by-hop, or undefined when it has no Connection header (the common case: no Set is built).
 */
export function connectionNamesRaw(rawHeaders: readonly string[]): Set<string> | undefined {
  let values: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      values ??= [];
      values.push(rawHeaders[i + 1] as string);
    }
  }
  return values === undefined ? undefined : connectionHeaderNames(values);
}

/**
 * Filter a node:http rawHeaders array ([name, value, name, value...], case and order kept) down to
 * the end-to-end headers.
 */
export function stripHopByHopRaw(rawHeaders: readonly string[]): string[] {
  const named = connectionNamesRaw(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!isHopByHop(name, named)) out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/** The same for a headers object (node's IncomingHttpHeaders or undici's response headers). */
export function stripHopByHop<V>(headers: Readonly<Record<string, V>>): Record<string, V> {
  // Any spelling of Connection (node lower-cases, hand-built objects may not).
  const connection: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'connection') continue;
    if (typeof value === 'string') connection.push(value);
    else if (Array.isArray(value)) connection.push(...(value as string[]));
  }
  const named = connectionHeaderNames(connection);
  const out: Record<string, V> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !isHopByHop(name, named)) out[name] = value;
  }
  return out;
}
