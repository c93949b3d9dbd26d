// A transaction timer: one line per transaction with its outcome and timings, from
// transaction.ended (fired exactly once per transaction, whatever happened).
// Run: node examples/event-proxy/transaction-timer.mjs
import { createServer } from 'node:http';
import { createEventProxy } from '@traffic/event-proxy';

const upstream = createServer((req, res) => {
  const delay = req.url === '/slow' ? 120 : 0;
  setTimeout(() => res.end('done\n'), delay);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));

const proxy = createEventProxy({
  endpoints: [{ listen: '127.0.0.1:0', upstream: `http://127.0.0.1:${upstream.address().port}` }],
});
proxy.on('transaction.started', (event) => {
  event.transaction.state.label = `${event.request.method} ${event.request.url}`;
});
proxy.on('filter.request', (event) => {
  if (event.request.url === '/health') event.response = { status: 204, headers: {} };
});
const lines = [];
proxy.on('transaction.ended', ({ transaction, outcome, status, timings }) => {
  const upstreamMs = timings.upstreamMs === undefined ? '-' : `${timings.upstreamMs.toFixed(1)} ms`;
  lines.push(
    `${transaction.state.label} status=${status} outcome=${outcome} total=${timings.totalMs.toFixed(1)} ms upstream=${upstreamMs}`,
  );
});
const [address] = await proxy.listen();

for (const path of ['/fast', '/slow', '/health']) {
  const response = await fetch(`${address.url}${path}`);
  await response.text();
}
// transaction.ended runs after the response closed: give it a moment.
await new Promise((resolve) => setTimeout(resolve, 50));
for (const line of lines) console.log(line);
const { outcomes } = proxy.stats();
console.log(`outcomes: ok=${outcomes.ok} forged=${outcomes.forged}`);

await proxy.close();
upstream.close();
