import { afterEach, describe, expect, it } from 'vitest';
import { collapsePath, createHttpLogger, RequestCounters, renderPrometheus, withRequestLogging } from '../src/index.js';
import { get, listen, rawRequest, type Started } from './helpers.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

/** A strict reader of the Prometheus text format 0.0.4 (what a scraper checks). */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      expect(line).toMatch(/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* \S.*$/);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(typed.has(match?.[1] ?? '')).toBe(false);
      typed.add(match?.[1] ?? '');
      continue;
    }
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(
        line,
      );
    expect(match, `not a valid sample line: ${line}`).not.toBeNull();
    expect(typed.has(match?.[1] ?? ''), `sample before its TYPE: ${line}`).toBe(true);
    samples.set(`${match?.[1]}${match?.[2] ?? ''}`, Number(match?.[3]));
  }
  return samples;
}

describe('counters', () => {
  it('collapse numeric, uuid and long hex path segments', () => {
    expect(collapsePath('/users/42/orders/7?x=1')).toBe('/users/:id/orders/:id');
    expect(collapsePath('/u/3f2b8c1e-0d7a-4c9e-9b1a-2f0e6d5c4b3a')).toBe('/u/:id');
    expect(collapsePath('/blob/0123456789abcdef0123')).toBe('/blob/:id');
    expect(collapsePath('/v1/items')).toBe('/v1/items');
  });

  it('stay bounded under 10k distinct URLs: overflow goes to `other` and is counted', async () => {
    const logged = withRequestLogging((_req, res) => res.end('ok'), {
      stdout: false,
      counters: true,
      maxRoutes: 50,
    });
    started = await listen(logged);
    const counters = logged.logger.counters as RequestCounters;
    // 10k distinct URLs whose segments do not collapse (words, not ids): one keep-alive
    // connection, pipelined in batches, so the test stays quick on a shared machine.
    const total = 10_000;
    const batch = 500;
    for (let start = 0; start < total; start += batch) {
      let bytes = '';
      for (let i = start; i < start + batch; i++) {
        const last = i === start + batch - 1;
        bytes += `GET /page-${i.toString(36)}x/view HTTP/1.1\r\nHost: x\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
      }
      const reply = await rawRequest(started.port, bytes, 10_000);
      expect(reply.split('HTTP/1.1 200').length - 1).toBe(batch);
    }
    expect(counters.requests).toBe(total);
    expect(counters.routeCount).toBe(50);
    expect(counters.overflow).toBe(total - 50);
    const snapshot = counters.snapshot();
    expect(Object.keys(snapshot.routes)).toHaveLength(51);
    expect(snapshot.routes.other?.requests).toBe(total - 50);
    expect(snapshot.routes_overflow).toBe(total - 50);
  }, 60_000);

  it('serve JSON at /__/counters and valid Prometheus text at /metrics', async () => {
    const logger = createHttpLogger({ stdout: false, serveCounters: true });
    started = await listen(
      withRequestLogging((req, res) => {
        res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
        res.end('body');
      }, logger),
    );
    await get(`${started.url}/items/1`);
    await get(`${started.url}/items/2`);
    // Raw bytes: a URL parser would percent-encode the quote and turn the backslash into a slash.
    await rawRequest(started.port, 'GET /missing/"quoted"\\path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const json = await get(`${started.url}/__/counters`);
    expect(json.headers['content-type']).toContain('application/json');
    const snapshot = JSON.parse(json.body);
    expect(snapshot.requests).toBe(3);
    expect(snapshot.status['2xx']).toBe(2);
    expect(snapshot.routes['GET /items/:id'].requests).toBe(2);
    expect(snapshot.routes['GET /items/:id'].bytes).toBe(8);

    const metrics = await get(`${started.url}/metrics`);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheus(metrics.body);
    expect(samples.get('http_logger_requests_total{status_class="2xx"}')).toBe(2);
    expect(samples.get('http_logger_route_requests_total{method="GET",route="/items/:id",status_class="2xx"}')).toBe(2);
    expect(
      samples.get(
        'http_logger_route_requests_total{method="GET",route="/missing/\\"quoted\\"\\\\path",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(samples.get('http_logger_routes_overflow_total')).toBe(0);

    const post = await get(`${started.url}/metrics`, {}, 'POST');
    expect(post.status).toBe(405);
  });

  it('renders the overflow bucket and label escapes in valid Prometheus text', () => {
    const counters = new RequestCounters(1);
    counters.record('GET', '/a', 200, false, 1.5, 10);
    counters.record('GET', '/b\n"x"', 500, false, 2, 0);
    counters.record('POST', '/c', 0, true, 3, 0);
    const samples = parsePrometheus(renderPrometheus(counters, { lines: 3, linesDropped: 1, idsReplaced: 2 }));
    expect(samples.get('http_logger_route_requests_total{method="*",route="other",status_class="5xx"}')).toBe(1);
    expect(samples.get('http_logger_route_requests_total{method="*",route="other",status_class="none"}')).toBe(1);
    expect(samples.get('http_logger_routes_overflow_total')).toBe(2);
    expect(samples.get('http_logger_lines_dropped_total')).toBe(1);
    expect(samples.get('http_logger_aborted_total')).toBe(1);
  });

  it('countersHandler() on a logger without counters is a coded error', () => {
    expect(() => createHttpLogger({ stdout: false }).countersHandler()).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_LOGGER_COUNTERS_DISABLED' }),
    );
  });
});
