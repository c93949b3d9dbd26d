/** One difference between the master's and a shadow's response. */
export interface Difference {
  /** What differs: the status code, a header, or the body. */
  kind: 'status' | 'header' | 'body';
  /**
   * Where: the header name (lower case); for bodies a JSON pointer ("/user/name"), "line N" for
   * text, or "(sha256)" / "(length)" / "(decode)" when bodies are compared as bytes.
   */
  path: string;
  master: unknown;
  shadow: unknown;
}

export function differenceKey(difference: Difference): string {
  return `${difference.kind}:${difference.path}`;
}

/** Escape one JSON-pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * A matcher for pointer patterns: "/a/b" matches "/a/b" and everything below it; "*" matches any
 * one segment ("/items/*\/updatedAt").
 */
export function pointerMatcher(patterns: readonly string[]): (pointer: string) => boolean {
  if (patterns.length === 0) return () => false;
  const split = patterns.map((pattern) => (pattern === '' ? [] : pattern.split('/').slice(1)));
  return (pointer) => {
    const segments = pointer === '' ? [] : pointer.split('/').slice(1);
    outer: for (const parts of split) {
      if (segments.length < parts.length) continue;
      for (let i = 0; i < parts.length; i++) if (parts[i] !== '*' && parts[i] !== segments[i]) continue outer;
      return true;
    }
    return false;
  };
}
