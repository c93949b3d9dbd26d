// Shadow a JSON API: v1 is live (the master), v2 is the candidate with one field changed.
// Starts both backends and the proxy on loopback, sends a few requests, prints every difference
// and the final stats, then shuts down. Run: node examples/shadow-proxy/json-api-v1-v2.mjs
import { createServer } from 'node:http';
import { createShadowProxy } from '@traffic/shadow-proxy';

const users = {
  1: { id: 1, name: 'Ada', email: 'ada@example.com', plan: 'pro' },
  2: { id: 2, name: 'Grace', email: 'grace@example.com', plan: 'free' },
};

/** One version of the API: v2 renames the plan "pro" to "professional" (the regression to catch). */
function api(version) {
  return createServer((req, res) => {
    const match = /^\/users\/(\d+)$/.exec(req.url ?? '');
    const user = match ? users[match[1]] : undefined;
    if (user === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const body = version === 2 && user.plan === 'pro' ? { ...user, plan: 'professional' } : user;
    res.writeHead(200, { 'content-type': 'application/json', 'x-api-version': String(version) });
    res.end(JSON.stringify({ user: body, servedAt: Date.now() }));
  });
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

const v1 = api(1);
const v2 = api(2);
const proxy = createShadowProxy({
  listen: '127.0.0.1:0',
  // servedAt differs on every call and the version header on purpose: not regressions.
  ignorePaths: ['/servedAt'],
  ignoreHeaders: ['date', 'content-length', 'connection', 'keep-alive', 'x-api-version'],
});
proxy.addMaster('v1', await listen(v1));
proxy.addBackend('v2', await listen(v2));
proxy.events.on('diff', (record) => {
  for (const difference of record.differences ?? []) {
    console.log(
      `${record.request.method} ${record.request.url}: ${record.outcome} at ${difference.path}: ` +
        `${JSON.stringify(difference.master)} -> ${JSON.stringify(difference.shadow)}`,
    );
  }
});
const { url } = await proxy.listen();

for (const path of ['/users/1', '/users/2', '/users/3']) {
  const res = await fetch(`${url}${path}`);
  console.log(`client got ${res.status} from ${path}`);
  await res.arrayBuffer();
}

const stats = await proxy.close();
console.log(`outcomes: equal=${stats.outcomes.equal} diff=${stats.outcomes.diff}`);
v1.close();
v2.close();
