// haproxy in TCP mode as a separate process (when installed). Prints READY {"ports":[...]}.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '@traffic/core/testing';

const upstreams = process.argv.slice(2);
const ports = [];
for (const _ of upstreams) ports.push(await closedPort());
const config = [
  'global',
  '  maxconn 8000',
  'defaults',
  '  mode tcp',
  '  timeout connect 5s',
  '  timeout client 60s',
  '  timeout server 60s',
  ...upstreams.flatMap((upstream, i) => [
    `listen p${i}`,
    `  bind 127.0.0.1:${ports[i]}`,
    `  server s${i} 127.0.0.1:${upstream}`,
  ]),
].join('\n');
const dir = mkdtempSync(join(tmpdir(), 'bench-haproxy-'));
writeFileSync(join(dir, 'haproxy.cfg'), `${config}\n`);
const child = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
child.on('exit', (code) => process.exit(code ?? 1));
// Wait until haproxy accepts.
const { connect } = await import('node:net');
for (let i = 0; i < 100; i++) {
  const ok = await new Promise((resolve) => {
    const socket = connect({ port: ports[0], host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (ok) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(`READY ${JSON.stringify({ ports, pid: child.pid })}\n`);
process.on('SIGTERM', () => {
  child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 200);
});
