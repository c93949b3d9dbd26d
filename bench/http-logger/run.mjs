#!/usr/bin/env node
// http-logger benchmark: the same hello-world node:http server, each in its own process (a fresh
// one every round), bare and with each access logger writing to a file: ours (fileSink), pino-http
// (pino.destination, sync: false), morgan ('combined' to an fs write stream). autocannon drives
// each in turn; the table shows req/s, latency, server CPU per request, autocannon's own CPU, peak
// RSS, the overhead against bare and the lines each logged; then lifecycle.mjs measures the same
// loggers in-process (CPU per request).
//   node bench/http-logger/run.mjs [--smoke] [--rounds=N] [--calibrate]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, median, peakRssMb, percentile, printTable, size, smoke, startProcess } from '../lib.mjs';
import { countLines } from './count-lines.mjs';

const here = new URL('.', import.meta.url).pathname;
const roundsArg = process.argv.find((arg) => arg.startsWith('--rounds='));
const rounds = roundsArg ? Number(roundsArg.slice('--rounds='.length)) : size(6, 2);
const cycles = size(4, 1);
const sliceS = 1;
const connections = 50;
// --calibrate adds servers that only burn 4 and 12 µs of CPU per request: on a machine where the
// load generator shares the cores, req/s overhead is not proportional to a logger's CPU cost, and
// their ratio shows by how much.
const calibrate = process.argv.includes('--calibrate');
const logs = (peer) => peer !== 'bare' && !peer.startsWith('busy-');
const peers = ['bare', 'ours', 'pino-http', 'morgan', ...(calibrate ? ['busy-4', 'busy-12'] : [])];
const dir = mkdtempSync(join(tmpdir(), 'bench-http-logger-'));

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; ticks of 10 ms). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

const results = new Map(
  peers.map((peer) => [peer, { rps: [], p50: [], p99: [], cpuUs: [], clientCpu: [], rss: 0, lines: 0 }]),
);
// One overhead ratio per cycle: (bare − ours) / (bare − pino-http), from slices a few seconds apart.
const cycleRatios = [];
const calibrationRatios = [];
// Every round starts a fresh process per peer: the same server differs by tens of percent from one
// process to the next (JIT decisions, memory layout), so one process per peer for the whole run
// would measure that luck, not the logger. Within a round all servers run at once (an idle one
// costs nothing) and the load visits them in short slices, cycle after cycle in alternating order:
// this machine's speed drifts by up to 2× within seconds, and a cycle of one-second slices sees
// nearly the same machine for every peer.
const servers = new Map();
try {
  for (let round = 0; round < rounds; round++) {
    for (const peer of peers) {
      const logFile = join(dir, `${peer}-${round}.log`);
      servers.set(peer, { logFile, proc: await startProcess(join(here, 'server.mjs'), [peer, logFile]) });
    }
    const url = (peer) => `http://127.0.0.1:${servers.get(peer).proc.info.port}/hello?x=1`;
    for (const peer of peers) await load(url(peer), { connections, durationS: smoke ? 0.5 : 1.5 }); // JIT warm-up
    for (let cycle = 0; cycle < cycles; cycle++) {
      const rps = new Map();
      for (const peer of (round * cycles + cycle) % 2 === 0 ? peers : [...peers].reverse()) {
        const { proc } = servers.get(peer);
        const cpuBefore = cpuMs(proc.pid);
        const clientBefore = process.cpuUsage();
        const result = await load(url(peer), { connections, durationS: sliceS });
        const client = process.cpuUsage(clientBefore);
        const cpuAfter = cpuMs(proc.pid);
        const row = results.get(peer);
        row.rps.push(result.rps);
        row.p50.push(result.p50);
        row.p99.push(result.p99);
        rps.set(peer, result.rps);
        // The load generator's own CPU: near 100% means it, not the server, set the pace.
        row.clientCpu.push(((client.user + client.system) / (sliceS * 1e6)) * 100);
        // Server CPU per request: steadier than req/s when other jobs share the cores.
        row.cpuUs.push(((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.rps * sliceS));
        if (result.errors > 0 || result.non2xx > 0) {
          console.error(`${peer}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        }
      }
      cycleRatios.push((rps.get('bare') - rps.get('ours')) / (rps.get('bare') - rps.get('pino-http')));
      if (calibrate)
        calibrationRatios.push((rps.get('bare') - rps.get('busy-4')) / (rps.get('bare') - rps.get('busy-12')));
    }
    for (const [peer, { proc, logFile }] of servers) {
      const row = results.get(peer);
      row.rss = Math.max(row.rss, peakRssMb(proc.pid));
      await proc.stop(); // flushes its log
      if (logs(peer)) row.lines += countLines(logFile);
      rmSync(logFile, { force: true });
    }
    servers.clear();
  }
} finally {
  for (const { proc } of servers.values()) await proc.stop();
  rmSync(dir, { recursive: true, force: true });
}

const bareRps = median(results.get('bare').rps);
const bareCpu = median(results.get('bare').cpuUs);
const rows = peers.map((peer) => {
  const r = results.get(peer);
  const rps = median(r.rps);
  return {
    peer,
    'req/s': rps,
    'p50 ms': median(r.p50),
    'p99 ms': median(r.p99),
    'CPU µs/req': median(r.cpuUs),
    'CPU overhead µs': peer === 'bare' ? 0 : median(r.cpuUs) - bareCpu,
    'client CPU %': median(r.clientCpu),
    'peak RSS MB': r.rss,
    'overhead req/s': peer === 'bare' ? 0 : bareRps - rps,
    'overhead %': peer === 'bare' ? 0 : ((bareRps - rps) / bareRps) * 100,
    'lines logged': logs(peer) ? String(r.lines) : '-',
  };
});
printTable(
  `http-logger: hello world on node:http, ${connections} connections, ${rounds} round(s) × ${cycles} cycle(s) of ${sliceS} s slices, median of slices${smoke ? ' (smoke)' : ''}`,
  rows,
  { ratioOf: 'req/s', against: ['bare'] },
);
const ours = rows.find((row) => row.peer === 'ours');
const pino = rows.find((row) => row.peer === 'pino-http');
const show = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
// Paired by slice position (the same cycle for all peers), then the median.
const pairedCpu = median(
  results.get('ours').cpuUs.map((cpu, slice) => {
    const bare = results.get('bare').cpuUs[slice];
    return (cpu - bare) / (results.get('pino-http').cpuUs[slice] - bare);
  }),
);
const sortedRatios = [...cycleRatios].sort((a, b) => a - b);
console.log(
  `\nour overhead / pino-http overhead (target ≤ 0.5): req/s ${show(ours['overhead req/s'] / pino['overhead req/s'])} (medians), ` +
    `${show(median(cycleRatios))} (paired by cycle; quartiles ${show(percentile(sortedRatios, 25))}–${show(percentile(sortedRatios, 75))} of ${cycleRatios.length}); ` +
    `CPU per request ${show(ours['CPU overhead µs'] / pino['CPU overhead µs'])} (paired by slice: ${show(pairedCpu)})${smoke ? ' — smoke run: too short to judge' : ''}`,
);

if (calibrate) {
  console.log(
    `calibration: busy-4 overhead / busy-12 overhead by req/s ${show(median(calibrationRatios))} (paired by cycle) ` +
      'for a CPU cost ratio of 0.33',
  );
}

// The same loggers without TCP and without a load generator sharing the cores (lifecycle.mjs):
// CPU per request in one process, the steadier comparison on a busy machine.
const lifecycle = spawnSync(process.execPath, [join(here, 'lifecycle.mjs'), ...(smoke ? ['--smoke'] : [])], {
  stdio: 'inherit',
});
if (lifecycle.status !== 0) process.exitCode = 1;
