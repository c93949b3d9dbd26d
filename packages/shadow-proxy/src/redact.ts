/**
 * Secrets never reach the diff log: listed headers, query parameters and JSON fields whose names
 * contain a listed word are replaced by "[redacted]".
 */
export const REDACTED = '[redacted]';

export interface Redactor {
  headers(raw: readonly string[]): string[];
  url(target: string): string;
  value(fieldPath: string, value: unknown): unknown;
  headerValue(name: string, value: unknown): unknown;
}

export function createRedactor(headerNames: ReadonlySet<string>, fieldWords: readonly string[]): Redactor {
  const secretName = (name: string) => {
    const lower = name.toLowerCase();
    return fieldWords.some((word) => lower.includes(word));
  };
  const redactDeep = (value: unknown, depth: number): unknown => {
    if (depth > 32 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      out[key] = secretName(key) ? REDACTED : redactDeep(inner, depth + 1);
    return out;
  };
  return {
    headers(raw) {
      const out: string[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i] as string;
        const lower = name.toLowerCase();
        out.push(name, headerNames.has(lower) || secretName(lower) ? REDACTED : (raw[i + 1] as string));
      }
      return out;
    },
    url(target) {
      const query = target.indexOf('?');
      if (query < 0) return target;
      const params = target
        .slice(query + 1)
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          const name = eq < 0 ? pair : pair.slice(0, eq);
          let decoded = name;
          try {
            decoded = decodeURIComponent(name);
          } catch {
            // keep the raw name
          }
          return eq >= 0 && secretName(decoded) ? `${name}=${REDACTED}` : pair;
        });
      return `${target.slice(0, query)}?${params.join('&')}`;
    },
    value(fieldPath, value) {
      const segments = fieldPath.split('/');
      if (segments.some((segment) => segment !== '' && secretName(segment)))
        return value === undefined ? value : REDACTED;
      return redactDeep(value, 0);
    },
    headerValue(name, value) {
      return value !== undefined && value !== null && (headerNames.has(name) || secretName(name)) ? REDACTED : value;
    },
  };
}
