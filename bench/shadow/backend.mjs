// A small JSON backend for the shadow benchmark. argv: [delayMs]. Prints READY {"url"}.
import { createServer } from 'node:http';

const delayMs = Number(process.argv[2] ?? 0);
const body = JSON.stringify({ id: 42, name: 'widget', price: 9.99, tags: ['a', 'b'], stock: true });
const server = createServer((req, res) => {
  const answer = () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  req.resume();
  req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
});
server.keepAliveTimeout = 30_000;
let connections = 0;
server.on('connection', () => {
  connections++;
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`backend ${delayMs} ms: ${connections} connections accepted\n`);
  process.exit(0);
});
