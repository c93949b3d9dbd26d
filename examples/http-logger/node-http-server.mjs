// A plain node:http server wrapped with withRequestLogging: every request gets an id
// (X-Request-Id, req.id) and one JSON line on stdout. Run: node examples/http-logger/node-http-server.mjs
import { createServer } from 'node:http';
import { withRequestLogging } from '@traffic/http-logger';

const handler = withRequestLogging((req, res) => {
  if (req.url === '/slow') {
    setTimeout(() => res.end('slow\n'), 20);
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end(`hello, your request id is ${req.id}\n`);
});

const server = createServer(handler);
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const plain = await fetch(`${base}/hello`);
  console.error(`# response header X-Request-Id: ${plain.headers.get('x-request-id')}`);
  await plain.text();
  // A valid incoming id is kept; a secret in the query is redacted in the log.
  await (await fetch(`${base}/search?q=cats&token=abc123`, { headers: { 'x-request-id': 'client-req-42' } })).text();
  // An invalid incoming id (a space, a quote) is replaced with a fresh UUID.
  await (await fetch(`${base}/slow`, { headers: { 'x-request-id': 'not "valid"' } })).text();
  server.close();
  // Lines are batched off the request path: flush them before exiting.
  await handler.logger.close();
});
