// A rule that answers 403 for /admin paths without calling the upstream, and lets the rest through.
// Run: node examples/event-proxy/forge-403.mjs
import { createServer } from 'node:http';
import { createEventProxy } from '@traffic/event-proxy';

// The upstream: counts what reaches it.
let upstreamRequests = 0;
const upstream = createServer((req, res) => {
  upstreamRequests++;
  res.end(`upstream saw ${req.url}\n`);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));

const proxy = createEventProxy({
  endpoints: [{ listen: '127.0.0.1:0', upstream: `http://127.0.0.1:${upstream.address().port}` }],
});
proxy.on('filter.request', (event) => {
  if (event.request.url === '/admin' || event.request.url.startsWith('/admin/')) {
    // Setting a response forges the answer: the upstream is not called, response filters still run.
    event.response = {
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'forbidden by the proxy\n',
    };
  }
});
const [address] = await proxy.listen();

for (const path of ['/public/page', '/admin/users', '/admin']) {
  const response = await fetch(`${address.url}${path}`);
  console.log(`GET ${path} -> ${response.status} ${(await response.text()).trim()}`);
}
console.log(`upstream received ${upstreamRequests} request(s)`);

await proxy.close();
upstream.close();
