import type { RouteRule } from './options.js';

/**
 * Which requests may reach shadows by method. Safe methods (default GET, HEAD, OPTIONS) everywhere;
 * unsafe ones only on routes the user allowed, because a shadow that also writes doubles the write.
 */
export class MethodPolicy {
  readonly #everywhere: ReadonlySet<string>;
  readonly #routes: readonly { match: (path: string) => boolean; methods: ReadonlySet<string> }[];

  constructor(shadowMethods: ReadonlySet<string>, rules: readonly RouteRule[]) {
    this.#everywhere = shadowMethods;
    this.#routes = rules.map((rule) => ({ match: routeMatcher(rule.path), methods: new Set(rule.methods) }));
  }

  allows(method: string, target: string): boolean {
    if (this.#everywhere.has(method)) return true;
    if (this.#routes.length === 0) return false;
    const query = target.indexOf('?');
    const path = query < 0 ? target : target.slice(0, query);
    for (const route of this.#routes) if (route.methods.has(method) && route.match(path)) return true;
    return false;
  }
}

/** "/api/search" matches that path and everything under it; "*" matches one segment. */
export function routeMatcher(pattern: string): (path: string) => boolean {
  const base = pattern.endsWith('/') && pattern.length > 1 ? pattern.slice(0, -1) : pattern;
  if (!base.includes('*')) {
    return (path) => path === base || path.startsWith(base === '/' ? '/' : `${base}/`);
  }
  const parts = base.split('/');
  return (path) => {
    const segments = path.split('/');
    if (segments.length < parts.length) return false;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] !== '*' && parts[i] !== segments[i]) return false;
    }
    return true;
  };
}
