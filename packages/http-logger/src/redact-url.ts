/** Query parameters whose values never reach the log (matched case-insensitively, by name). */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = Object.freeze([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'api_key',
  'apikey',
  'api-key',
  'auth',
  'authorization',
  'signature',
  'sig',
  'session',
  'sessionid',
  'jwt',
]);

export const REDACTED = '[REDACTED]';

/**
 * Replace the values of the named query parameters with [REDACTED]; everything else stays
 * byte-identical. Also drops a password in userinfo (absolute-form targets, as Go's middleware does).
 * Costs one indexOf when the URL has no query.
 */
export function redactUrl(url: string, names: ReadonlySet<string>): string {
  // Origin-form targets ("/path?q") cannot carry userinfo; only absolute-form ones are checked.
  const u = url.charCodeAt(0) === 47 ? url : redactUserinfo(url);
  const q = u.indexOf('?');
  if (q === -1 || names.size === 0) return u;
  const hashAt = u.indexOf('#', q);
  const query = u.slice(q + 1, hashAt === -1 ? u.length : hashAt);
  // Fast path: no parameter name starts like a redacted one and nothing is percent- or
  // plus-encoded, so no name can match: skip splitting and decoding.
  if (!mayContainName(query, names)) return u;
  const parts = query.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    if (names.has(decodeName(rawName))) {
      parts[i] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  if (!changed) return u;
  return `${u.slice(0, q)}?${parts.join('&')}${hashAt === -1 ? '' : u.slice(hashAt)}`;
}

const firstChars = new WeakMap<ReadonlySet<string>, string>();

function mayContainName(query: string, names: ReadonlySet<string>): boolean {
  if (query.includes('%') || query.includes('+')) return true;
  let starts = firstChars.get(names);
  if (starts === undefined) {
    starts = '';
    for (const name of names) {
      for (const c of [name.charAt(0).toLowerCase(), name.charAt(0).toUpperCase()])
        if (!starts.includes(c)) starts += c;
    }
    firstChars.set(names, starts);
  }
  // Only the first character of each parameter name is checked: cheap and exact enough to skip.
  if (starts.includes(query.charAt(0))) return true;
  for (let at = query.indexOf('&'); at !== -1; at = query.indexOf('&', at + 1)) {
    if (starts.includes(query.charAt(at + 1))) return true;
  }
  return false;
}

function decodeName(raw: string): string {
  let name = raw;
  if (name.includes('%') || name.includes('+')) {
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // a malformed escape is compared as written
    }
  }
  return name.toLowerCase();
}

// http://user:pass@host/ -> http://user@host/ (only before the path starts).
function redactUserinfo(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const authorityEnd = url.slice(scheme + 3).search(/[/?#]/);
  const end = authorityEnd === -1 ? url.length : scheme + 3 + authorityEnd;
  const at = url.lastIndexOf('@', end);
  if (at <= scheme) return url;
  const colon = url.indexOf(':', scheme + 3);
  if (colon === -1 || colon > at) return url;
  return `${url.slice(0, colon)}${url.slice(at)}`;
}
