// http-proxy 1.18 with a keep-alive agent (its default opens a connection per request).
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const target = process.argv[2];
const proxy = httpProxy.createProxyServer({ target, agent: new Agent({ keepAlive: true, maxSockets: 256 }) });
proxy.on('error', (_error, _req, res) => {
  res.writeHead?.(502);
  res.end?.();
});
const server = createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
