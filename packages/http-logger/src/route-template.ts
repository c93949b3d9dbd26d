import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteTemplateFn = (req: IncomingMessage, res: ServerResponse) => string;

const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_HEX = /^[0-9a-f]{16,}$/i;
const MAX_TEMPLATE_LENGTH = 200;

/** `/users/42/orders/3f2b...` -> `/users/:id/orders/:id`: numeric, UUID and long hex segments collapse. */
export function collapsePath(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.length > 0 && (NUMERIC.test(segment) || UUID.test(segment) || LONG_HEX.test(segment))) {
      segments[i] = ':id';
    }
  }
  const template = segments.join('/');
  return template.length > MAX_TEMPLATE_LENGTH ? `${template.slice(0, MAX_TEMPLATE_LENGTH)}…` : template;
}

/**
 * The default route template: the matched express/connect route when there is one (`req.route.path`
 * under `baseUrl`), otherwise the path with numeric/uuid segments collapsed. Counters stay bounded
 * either way. `baseUrl` is the mount path seen while the response was sent (express resets
 * req.baseUrl when the router unwinds, before the response closes).
 */
export function routeTemplateOf(req: IncomingMessage, baseUrl?: string): string {
  const routed = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown; originalUrl?: unknown };
  const routePath = routed.route?.path;
  if (typeof routePath === 'string') {
    return `${baseUrl ?? (typeof routed.baseUrl === 'string' ? routed.baseUrl : '')}${routePath}`;
  }
  const url = typeof routed.originalUrl === 'string' ? routed.originalUrl : (req.url ?? '/');
  return collapsePath(url);
}

export const defaultRouteTemplate: RouteTemplateFn = (req) => routeTemplateOf(req);
