#!/usr/bin/env node
// npm run bench -- event-proxy [--smoke]
// One run, every peer in front of the same upstream, each in its own process, the same load from
// autocannon: direct (no proxy), @traffic/event-proxy without listeners, with one
// transaction.ended listener and with one listener on every hook, node-http-proxy with a keep-alive agent, @fastify/http-proxy (undici pool), and nginx
// proxy_pass with upstream keepalive when nginx is installed. Prints req/s, p50/p99, peak RSS and
// ratios, then the targets of issue 5 as met/missed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '@traffic/core/testing';
import { hasCommand, load, median, peakRssMb, printTable, size, smoke, startProcess } from '../lib.mjs';

const peerScript = new URL('./peer.mjs', import.meta.url).pathname;
const CONNECTIONS = 50;
const WARMUP_S = size(2, 0.5);
const DURATION_S = size(10, 1);

async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}

/** nginx with one worker (like one node process), proxy_pass to an upstream block with keepalive. */
async function startNginx(upstreamPort) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  const port = await closedPort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return {
    pid: child.pid,
    info: { port },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ROUNDS = size(3, 1);

/** CPU time (user + system) a process used so far, in ms (Linux /proc, 100 ticks per second). */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const upstream = await startProcess(peerScript, ['upstream']);
const upstreamUrl = `http://127.0.0.1:${upstream.info.port}`;
const peers = [{ peer: 'direct', url: `${upstreamUrl}/bench`, pid: upstream.pid, stop: async () => {} }];
const notes = [];
const rows = [];
try {
  for (const [peer, kind] of [
    ['ours', 'ours'],
    ['ours+ended', 'ours-ended'],
    ['ours+listeners', 'ours-listeners'],
    ['http-proxy', 'http-proxy'],
    ['fastify-http-proxy', 'fastify-http-proxy'],
  ]) {
    const proxy = await startProcess(peerScript, [kind, upstreamUrl]);
    peers.push({ peer, url: `http://127.0.0.1:${proxy.info.port}/bench`, pid: proxy.pid, stop: () => proxy.stop() });
  }
  if (await hasCommand('nginx')) {
    const nginx = await startNginx(upstream.info.port);
    peers.push({
      peer: 'nginx',
      url: `http://127.0.0.1:${nginx.info.port}/bench`,
      pid: nginx.pid,
      stop: () => nginx.stop(),
    });
  } else {
    notes.push('nginx: skipped (not installed; `apt-get install -y nginx` to include it)');
  }
  // Rounds interleave the peers so a burst of load from elsewhere on the machine hits all of them;
  // each row is the median round.
  const results = new Map(peers.map(({ peer }) => [peer, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const { peer, url, pid } of peers) {
      await load(url, { connections: CONNECTIONS, durationS: WARMUP_S });
      const before = cpuMs(pid);
      const run = await load(url, { connections: CONNECTIONS, durationS: DURATION_S });
      // CPU per request of the peer's process: much steadier than req/s on a shared machine.
      run.cpuUs = ((cpuMs(pid) - before) * 1000) / (run.rps * DURATION_S);
      results.get(peer).push(run);
    }
  }
  for (const { peer, pid } of peers) {
    const runs = results.get(peer);
    rows.push({
      peer,
      'req/s': median(runs.map((run) => run.rps)),
      'p50 ms': median(runs.map((run) => run.p50)),
      'p99 ms': median(runs.map((run) => run.p99)),
      'CPU µs/req': median(runs.map((run) => run.cpuUs)),
      'peak RSS MB': peakRssMb(pid),
      errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
    });
  }
} finally {
  for (const { stop } of peers.slice(1)) await stop();
  await upstream.stop();
}

printTable(
  `event-proxy${smoke ? ' (smoke: numbers are not meaningful)' : ''}: ${CONNECTIONS} connections, ${ROUNDS} round(s) × ${DURATION_S} s, median, small JSON answer`,
  rows,
  {
    ratioOf: 'req/s',
    against: ['ours', 'http-proxy', 'fastify-http-proxy', 'nginx'].filter((name) =>
      rows.some((row) => row.peer === name),
    ),
  },
);
const rps = (name) => rows.find((row) => row.peer === name)?.['req/s'];
// Requests per CPU-second: what req/s would be if the peer had a core to itself.
const perCpu = (name) => 1 / rows.find((row) => row.peer === name)?.['CPU µs/req'];
const check = (label, byRps, byCpu, target) => {
  const show = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
  // A smoke run is too short to judge (it measures start-up and JIT warm-up): show, do not judge.
  const verdict = (value) => (smoke ? '' : value >= target ? 'met' : 'MISSED');
  console.log(
    `${label} (target ${target}): req/s ${show(byRps)} ${verdict(byRps)}; per CPU ${show(byCpu)} ${verdict(byCpu)}`,
  );
};
console.log('');
check(
  'ours / fastify-http-proxy',
  rps('ours') / rps('fastify-http-proxy'),
  perCpu('ours') / perCpu('fastify-http-proxy'),
  1.3,
);
check('ours / http-proxy (keep-alive)', rps('ours') / rps('http-proxy'), perCpu('ours') / perCpu('http-proxy'), 1.2);
check('ours+listeners / ours', rps('ours+listeners') / rps('ours'), perCpu('ours+listeners') / perCpu('ours'), 0.85);
if (rps('nginx') !== undefined) {
  console.log(
    `ours / nginx (reported): req/s ${(rps('ours') / rps('nginx')).toFixed(2)}; per CPU ${(perCpu('ours') / perCpu('nginx')).toFixed(2)}`,
  );
}
for (const note of notes) console.log(note);
console.log(
  'The load generator shares the machine with the peers (and with whatever else runs): compare ratios, and prefer the per-CPU ones when the machine is busy.',
);
