// One process of the event-proxy benchmark: the upstream, or one proxy in front of it.
//   node peer.mjs upstream                      a keep-alive node:http server with a small fixed answer
//   node peer.mjs ours <upstream>               @traffic/event-proxy without listeners (the fast path)
//   node peer.mjs ours-listeners <upstream>     the same with one listener on every event
//   node peer.mjs ours-ended <upstream>         the same with one transaction.ended listener only
//   node peer.mjs http-proxy <upstream>         node-http-proxy with a keep-alive agent
//   node peer.mjs fastify-http-proxy <upstream> @fastify/http-proxy (undici pool, as its users run it)
// Each prints "READY {"port":N}" once it listens and exits on SIGTERM.
import { Agent, createServer } from 'node:http';

const [kind, upstream] = process.argv.slice(2);
const CONNECTIONS = 128;
const BODY = Buffer.from(JSON.stringify({ ok: true, message: 'hello from the upstream', items: [1, 2, 3, 4, 5] }));

function ready(port, close) {
  process.stdout.write(`READY ${JSON.stringify({ port })}\n`);
  process.once('SIGTERM', async () => {
    await close();
    process.exit(0);
  });
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

if (kind === 'upstream') {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
      res.end(BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  ready(await listen(server), async () => server.close());
} else if (kind === 'ours' || kind === 'ours-listeners' || kind === 'ours-ended') {
  const { createEventProxy } = await import('@traffic/event-proxy');
  const proxy = createEventProxy({
    endpoints: [{ listen: '127.0.0.1:0', upstream }],
    upstreamConnections: CONNECTIONS,
    keepAliveTimeoutMs: 60_000,
  });
  if (kind === 'ours-ended') {
    // The listener path with a single observer: separates the cost of leaving the fast path from
    // the cost per hook.
    proxy.on('transaction.ended', () => {});
  }
  if (kind === 'ours-listeners') {
    let count = 0;
    // One cheap listener on every hook: what a user pays for observing everything.
    proxy.on('transaction.started', () => {
      count++;
    });
    proxy.on('filter.request', (event) => {
      event.request.headers['x-seen'] = '1';
    });
    proxy.on('client.filter.request', () => {});
    proxy.on('client.filter.response', () => {});
    proxy.on('filter.response', (event) => {
      event.response.headers['x-proxied'] = 'event-proxy';
    });
    proxy.on('transaction.message', () => {});
    proxy.on('transaction.ended', (event) => {
      if (event.timings.totalMs < 0) console.error('impossible', count);
    });
  }
  const [address] = await proxy.listen();
  ready(address.port, () => proxy.close(500));
} else if (kind === 'http-proxy') {
  const { default: httpProxy } = await import('http-proxy');
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, keepAliveMsecs: 60_000 });
  // xfwd: the same X-Forwarded-* work ours and the nginx config do.
  const proxy = httpProxy.createProxyServer({ target: upstream, agent, xfwd: true });
  proxy.on('error', (_error, _req, res) => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  const server = createServer((req, res) => proxy.web(req, res));
  ready(await listen(server), async () => server.close());
} else if (kind === 'fastify-http-proxy') {
  const { default: Fastify } = await import('fastify');
  const { default: fastifyHttpProxy } = await import('@fastify/http-proxy');
  const app = Fastify({ logger: false });
  await app.register(fastifyHttpProxy, {
    upstream,
    undici: { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  ready(app.server.address().port, () => app.close());
} else {
  console.error(`unknown peer ${kind}`);
  process.exit(2);
}
