import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoggedRequest, requestLogger } from '../src/index.js';
import { get, Lines, listen, type Started } from './helpers.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('requestLogger with express 5', () => {
  it('logs each request once with req.id, the original URL and the matched route in counters', async () => {
    const lines = new Lines();
    const app = express();
    const logging = requestLogger({ sink: lines.sink, counters: true });
    app.use(logging);
    const api = express.Router();
    api.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id, requestId: (req as unknown as LoggedRequest).id });
    });
    app.use('/api', api);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/__/counters', logging.logger.countersHandler());
    started = await listen(app);

    const a = await get(`${started.url}/api/users/42?password=hunter2`);
    const b = await get(`${started.url}/api/users/43`);
    const c = await get(`${started.url}/boom`);
    const d = await get(`${started.url}/missing`);
    const records = await lines.waitFor(4);

    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).requestId).toBe(a.headers['x-request-id']);
    expect(records[0]).toMatchObject({
      url: '/api/users/42?password=[REDACTED]',
      status: 200,
      request_id: a.headers['x-request-id'],
      bytes: Buffer.byteLength(a.body),
    });
    expect(records[1]).toMatchObject({ url: '/api/users/43', status: 200 });
    expect(c.status).toBe(500);
    expect(records[2]).toMatchObject({ url: '/boom', status: 500, aborted: false });
    expect(d.status).toBe(404);
    expect(records[3]).toMatchObject({ url: '/missing', status: 404 });
    expect(b.status).toBe(200);

    const counters = JSON.parse((await get(`${started.url}/__/counters`)).body);
    // Both user URLs count under one route template; the counters request itself is logged after.
    const users = Object.values(counters.routes as Record<string, { route: string; requests: number }>).filter(
      (route) => route.route.includes('/users/'),
    );
    expect(users).toHaveLength(1);
    expect(users[0]?.requests).toBe(2);
    expect(users[0]?.route).toBe('/api/users/:id');
    expect(counters.status).toMatchObject({ '2xx': 2, '4xx': 1, '5xx': 1 });
  });

  it('serveCounters answers /metrics before the app sees it', async () => {
    const app = express();
    app.use(requestLogger({ stdout: false, serveCounters: true }));
    app.get('/hello', (_req, res) => {
      res.send('hi');
    });
    started = await listen(app);
    await get(`${started.url}/hello`);
    const metrics = await get(`${started.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain(
      'http_logger_route_requests_total{method="GET",route="/hello",status_class="2xx"} 1',
    );
  });
});
