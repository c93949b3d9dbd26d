// A redis client talking RESP through a chaos proxy with a 100 ms latency toxic on the responses.
// The server is a minimal RESP server on loopback (so the example needs no redis-server).
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createChaosProxy } from '@traffic/chaos-tcp';

// Tiny RESP server: PING → +PONG, SET → +OK, GET → the stored value.
const store = new Map();
const redis = createServer((socket) => {
  socket.on('data', (data) => {
    for (const command of data.toString().split('*').filter(Boolean)) {
      const [name, key, value] = command.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (name === 'SET') {
        store.set(key, value);
        socket.write('+OK\r\n');
      } else if (name === 'GET')
        socket.write(store.has(key) ? `$${store.get(key).length}\r\n${store.get(key)}\r\n` : '$-1\r\n');
    }
  });
});
redis.listen(0, '127.0.0.1');
await once(redis, 'listening');

const proxy = createChaosProxy({
  upstream: `127.0.0.1:${redis.address().port}`,
  protocol: 'redis',
  toxics: [{ type: 'latency', stream: 'downstream', attributes: { latency: 100 } }],
});
const { port } = await proxy.listen();

const client = connect({ port, host: '127.0.0.1' });
await once(client, 'connect');
const command = (...words) => `*${words.length}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join('')}`;
async function send(...words) {
  const start = performance.now();
  client.write(command(...words));
  const [reply] = await once(client, 'data');
  return { reply: reply.toString().trim().replace(/\r\n/g, ' '), ms: performance.now() - start };
}

for (const words of [['PING'], ['SET', 'greeting', 'hello'], ['GET', 'greeting']]) {
  const { reply, ms } = await send(...words);
  console.log(`${words.join(' ')} -> ${reply} (${ms >= 100 ? 'delayed ≥ 100 ms' : `only ${ms.toFixed(1)} ms`})`);
}
client.destroy();
await proxy.close();
redis.close();
