// The npm toxiproxy-node-client driving our Toxiproxy-compatible API, unchanged: create a proxy,
// add a latency toxic, measure it, remove it.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createToxiproxyServer } from '@traffic/chaos-tcp';
import { Toxiproxy } from 'toxiproxy-node-client';

const echo = createServer((socket) => socket.pipe(socket));
echo.listen(0, '127.0.0.1');
await once(echo, 'listening');

const server = createToxiproxyServer({ listen: '127.0.0.1:0' });
await server.listen();
const toxiproxy = new Toxiproxy(server.url);
console.log(`API version: ${JSON.parse(await toxiproxy.getVersion()).version}`);

const proxy = await toxiproxy.createProxy({
  name: 'echo',
  listen: '127.0.0.1:0',
  upstream: `127.0.0.1:${echo.address().port}`,
});
console.log(`created proxy ${proxy.name} (enabled: ${proxy.enabled})`);

const socket = connect({ port: Number(proxy.listen.split(':').pop()), host: '127.0.0.1' });
await once(socket, 'connect');
async function roundTrip() {
  const start = performance.now();
  socket.write('ping');
  await once(socket, 'data');
  return performance.now() - start;
}

console.log(`round trip without toxics: ${(await roundTrip()) < 50 ? 'fast' : 'slow'}`);
const toxic = await proxy.addToxic({
  type: 'latency',
  stream: 'downstream',
  toxicity: 1,
  attributes: { latency: 150 },
});
console.log(`added toxic ${toxic.name}: ${JSON.stringify(toxic.attributes)}`);
console.log(`round trip with the toxic: ${(await roundTrip()) >= 150 ? '≥ 150 ms' : 'too fast'}`);
await toxic.remove();
console.log(`round trip after removing it: ${(await roundTrip()) < 50 ? 'fast' : 'slow'}`);
console.log(`proxies: ${Object.keys(await toxiproxy.getAll()).join(', ')}`);

socket.destroy();
await server.close();
echo.close();
