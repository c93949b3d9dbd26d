// An express 5 app with the requestLogger middleware, counters per route template, and the
// counters served as JSON (/__/counters) and Prometheus text (/metrics).
// Run: node examples/http-logger/express-app.mjs
import { createServer } from 'node:http';
import { requestLogger } from '@traffic/http-logger';
import express from 'express';

const app = express();
const logging = requestLogger({ counters: true, extraFields: { service: 'example-shop' } });
app.use(logging);
app.get('/items/:id', (req, res) => {
  res.json({ id: req.params.id, requestId: req.id });
});
app.get('/__/counters', logging.logger.countersHandler());
app.get('/metrics', logging.logger.countersHandler());

const server = createServer(app);
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const id of [1, 2, 3]) await (await fetch(`${base}/items/${id}`)).text();
  await (await fetch(`${base}/no-such-page`)).text();
  const counters = await (await fetch(`${base}/__/counters`)).json();
  console.error(`# counters: ${JSON.stringify(counters.routes['GET /items/:id'])}`);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (const line of metrics.split('\n')) {
    if (line.startsWith('http_logger_route_requests_total')) console.error(`# metrics: ${line}`);
  }
  server.close();
  await logging.logger.close();
});
