// An HTTP service behind a chaos proxy in http mode with the Vaurien mix "20:error": about one
// request in five gets a protocol-valid 5xx from the proxy; the rest reach the service.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createChaosProxy } from '@traffic/chaos-tcp';

let served = 0;
const service = createServer((req, res) => {
  served++;
  res.end(`hello from ${req.url}\n`);
});
service.listen(0, '127.0.0.1');
await once(service, 'listening');

const proxy = createChaosProxy({
  upstream: `127.0.0.1:${service.address().port}`,
  protocol: 'http',
  behavior: '20:error',
  seed: 42, // the same seed gives the same faults on every run
});
const { port } = await proxy.listen();

const statuses = {};
for (let i = 0; i < 100; i++) {
  const res = await fetch(`http://127.0.0.1:${port}/item/${i}`);
  await res.text();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
}
const errors = 100 - (statuses[200] ?? 0);
console.log(`100 requests through 20:error: ${statuses[200] ?? 0} ok, ${errors} injected 5xx`);
console.log(`statuses: ${JSON.stringify(statuses)}`);
console.log(`the service handled ${served} requests; the proxy counted ${proxy.stats().faults.error ?? 0} errors`);
await proxy.close();
service.close();
