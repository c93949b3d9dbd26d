#!/usr/bin/env node
// Shadow proxy benchmark: direct, ours (no shadow / one shadow), http-proxy, @fastify/reply-from
// and nginx `mirror` (when installed), each as its own process against loopback JSON backends;
// then a second run where the shadow answers after 2 s. autocannon with keep-alive.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, load, peakRssMb, printTable, size, smoke, startProcess } from '../lib.mjs';

const here = new URL('.', import.meta.url).pathname;
const connections = 50;
const durationS = size(10, 1);

async function measure(peer, url, pid, extra = {}) {
  // Warm-up (JIT, keep-alive pools), then the measured run.
  await load(url, { connections, durationS: size(2, 0.5) });
  const result = await load(url, { connections, durationS });
  return {
    peer,
    'req/s': result.rps,
    'p50 ms': result.p50,
    'p99 ms': result.p99,
    'RSS MB': pid === undefined ? Number.NaN : peakRssMb(pid),
    errors: result.errors + result.non2xx,
    ...extra,
  };
}

/** Start ours and capture its STATS line on stop. */
async function startOurs(master, shadow) {
  const proc = await startProcess(`${here}ours.mjs`, shadow ? [master, shadow] : [master]);
  let out = '';
  proc.child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  return {
    ...proc,
    async stopWithStats() {
      await proc.stop();
      const match = /STATS (.*)\n/.exec(out);
      return match ? JSON.parse(match[1]) : undefined;
    },
  };
}

function outcomeNote(stats) {
  if (!stats) return '';
  const skipped = Object.entries(stats.skipped ?? {}).map(([reason, count]) => `${reason}:${count}`);
  return Object.entries(stats.outcomes)
    .filter(([, count]) => count > 0)
    .map(([name, count]) =>
      name === 'skipped' && skipped.length > 0 ? `skipped=${count}(${skipped.join(',')})` : `${name}=${count}`,
    )
    .join(' ');
}

async function startNginx(master, shadow, dir, name) {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const conf = join(dir, `${name}.conf`);
  const mirror = shadow ? `mirror /__mirror;\n      mirror_request_body on;` : '';
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}.error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  upstream master { server ${new URL(master).host}; keepalive 64; }
  ${shadow ? `upstream shadow { server ${new URL(shadow).host}; keepalive 64; }` : ''}
  server {
    listen 127.0.0.1:${port};
    location / {
      ${mirror}
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://master;
    }
    ${
      shadow
        ? `location = /__mirror {
      internal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Shadow-Request 1;
      proxy_pass http://shadow$request_uri;
    }`
        : ''
    }
  }
}
`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start (see ${dir})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill('SIGQUIT');
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const master = await startProcess(`${here}backend.mjs`);
const shadow = await startProcess(`${here}backend.mjs`);
const slowShadow = await startProcess(`${here}backend.mjs`, ['2000']);
const masterUrl = master.info.url;
const dir = mkdtempSync(join(tmpdir(), 'traffic-bench-shadow-'));
const notes = [];
const rows = [];
const slowRows = [];
try {
  rows.push(await measure('direct', masterUrl, master.pid));

  let ours = await startOurs(masterUrl);
  rows.push(await measure('ours (no shadow)', ours.info.url, ours.pid));
  await ours.stop();

  ours = await startOurs(masterUrl, shadow.info.url);
  const row = await measure('ours (1 shadow)', ours.info.url, ours.pid);
  row.outcomes = outcomeNote(await ours.stopWithStats());
  rows.push(row);

  const hp = await startProcess(`${here}http-proxy.mjs`, [masterUrl]);
  rows.push(await measure('http-proxy', hp.info.url, hp.pid));
  await hp.stop();

  const rf = await startProcess(`${here}reply-from.mjs`, [masterUrl]);
  rows.push(await measure('@fastify/reply-from', rf.info.url, rf.pid));
  await rf.stop();

  const nginx = await hasCommand('nginx');
  if (nginx) {
    let ng = await startNginx(masterUrl, undefined, dir, 'plain');
    rows.push(await measure('nginx (no mirror)', ng.url, ng.pid));
    await ng.stop();
    ng = await startNginx(masterUrl, shadow.info.url, dir, 'mirror');
    rows.push(await measure('nginx (mirror)', ng.url, ng.pid));
    await ng.stop();
  } else {
    notes.push('nginx not installed: nginx rows skipped (apt-get install -y nginx to include them)');
  }

  // Second run: the shadow answers after 2 s.
  ours = await startOurs(masterUrl);
  slowRows.push(await measure('ours (no shadow)', ours.info.url, ours.pid));
  await ours.stop();
  ours = await startOurs(masterUrl, slowShadow.info.url);
  const slow = await measure('ours (2 s shadow)', ours.info.url, ours.pid);
  slow.outcomes = outcomeNote(await ours.stopWithStats());
  slowRows.push(slow);
  if (nginx) {
    const ng = await startNginx(masterUrl, slowShadow.info.url, dir, 'slow-mirror');
    slowRows.push(await measure('nginx (2 s mirror)', ng.url, ng.pid));
    await ng.stop();
  }
} finally {
  await Promise.all([master.stop(), shadow.stop(), slowShadow.stop()]);
  rmSync(dir, { recursive: true, force: true });
}

const title = `${connections} connections, ${durationS} s each, keep-alive, ~90-byte JSON${smoke ? ' (smoke)' : ''}`;
printTable(`Shadow proxy — ${title}`, rows, {
  ratioOf: 'req/s',
  against: ['ours (no shadow)', '@fastify/reply-from'],
});
printTable(`Shadow answering after 2 s — ${title}`, slowRows, { ratioOf: 'p99 ms', against: ['ours (no shadow)'] });
const find = (list, peer) => list.find((entry) => entry.peer === peer);
const oneShadow = find(rows, 'ours (1 shadow)')['req/s'];
const noShadow = find(rows, 'ours (no shadow)')['req/s'];
const replyFrom = find(rows, '@fastify/reply-from')['req/s'];
const slowP99 = find(slowRows, 'ours (2 s shadow)')['p99 ms'];
const baseP99 = find(slowRows, 'ours (no shadow)')['p99 ms'];
console.log(`\nTargets (machine shared and noisy; ratios matter more than absolutes):`);
console.log(`  1 shadow vs no shadow: ${((100 * oneShadow) / noShadow).toFixed(0)}% (target ≥ 80%)`);
console.log(`  1 shadow vs @fastify/reply-from no shadow: ${(oneShadow / replyFrom).toFixed(2)}× (target ≥ 1.0×)`);
console.log(`  2 s shadow p99 vs no-shadow p99: ${(slowP99 / baseP99).toFixed(2)}× (target ≤ 1.10×)`);
for (const note of notes) console.log(`  note: ${note}`);
