// Our proxy as a separate process: one chaos proxy per upstream port given, optionally with a 0 ms
// latency toxic (the managed path with nothing to do). Prints READY {"ports":[...]}.
import { createChaosProxy } from '@traffic/chaos-tcp';

const [mode, ...upstreams] = process.argv.slice(2);
const proxies = upstreams.map((port) =>
  createChaosProxy({
    upstream: `127.0.0.1:${port}`,
    seed: 1,
    maxConnections: 100_000,
    toxics: mode === 'latency0' ? [{ type: 'latency', attributes: { latency: 0 } }] : [],
  }),
);
const ports = [];
for (const proxy of proxies) ports.push((await proxy.listen()).port);
process.stdout.write(`READY ${JSON.stringify({ ports })}\n`);
process.on('SIGTERM', async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  process.exit(0);
});
