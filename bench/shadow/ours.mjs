// @traffic/shadow-proxy for the benchmark. argv: <master url> [shadow url]. Prints READY {"url"};
// on SIGTERM closes gracefully and prints STATS <json> (outcome counts) before exiting.
import { createShadowProxy } from '@traffic/shadow-proxy';

const [master, shadow] = process.argv.slice(2);
const proxy = createShadowProxy({ listen: '127.0.0.1:0', shadowTimeoutMs: 5000 });
proxy.addMaster('master', master);
if (shadow) proxy.addBackend('shadow', shadow);
const { url } = await proxy.listen();
const cpuAtStart = process.cpuUsage();
process.stdout.write(`READY ${JSON.stringify({ url })}\n`);
process.on('SIGTERM', async () => {
  const stats = await proxy.close();
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuUsPerRequest = Math.round((cpu.user + cpu.system) / Math.max(1, stats.requests));
  process.stdout.write(
    `STATS ${JSON.stringify({ outcomes: stats.outcomes, skipped: stats.skipped, requests: stats.requests, cpuUsPerRequest })}\n`,
  );
  process.exit(0);
});
