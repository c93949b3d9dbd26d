// A response header rewriter: hide what the upstream runs, add security and cache headers.
// Run: node examples/event-proxy/rewrite-headers.mjs
import { createServer } from 'node:http';
import { createEventProxy } from '@traffic/event-proxy';

const upstream = createServer((req, res) => {
  res.writeHead(200, {
    'content-type': 'text/html',
    server: 'legacy-app/1.2',
    'x-powered-by': 'PHP/5.6',
  });
  res.end(`<p>${req.url}</p>`);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));

const proxy = createEventProxy({
  endpoints: [{ listen: '127.0.0.1:0', upstream: `http://127.0.0.1:${upstream.address().port}` }],
});
proxy.on('filter.response', (event) => {
  const headers = event.response.headers; // lower-cased names; edit in place
  delete headers.server;
  delete headers['x-powered-by'];
  headers['x-content-type-options'] = 'nosniff';
  headers['cache-control'] = event.request.url.startsWith('/static/') ? 'public, max-age=3600' : 'no-store';
});
const [address] = await proxy.listen();

for (const path of ['/static/app.css', '/account']) {
  const response = await fetch(`${address.url}${path}`);
  await response.text();
  const shown = ['server', 'x-powered-by', 'x-content-type-options', 'cache-control']
    .map((name) => `${name}=${response.headers.get(name) ?? '(none)'}`)
    .join(' ');
  console.log(`GET ${path} -> ${response.status} ${shown}`);
}

await proxy.close();
upstream.close();
