#!/usr/bin/env node
// bench chaos: direct vs our proxy (no faults, and a 0 ms latency toxic) vs haproxy in TCP mode.
// Single-stream MB/s, 64-byte echo RTT (p50/p99/max), connections/s (connect, echo, close), and
// 1000 concurrent connections × 20 echoes. Servers and proxies are separate processes.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { hasCommand, peakRssMb, percentile, printTable, size, smoke, startProcess } from '../lib.mjs';

const here = new URL('.', import.meta.url).pathname;
const STREAM_BYTES = size(1024 ** 3, 64 * 1024 ** 2);
const RTT_COUNT = size(20_000, 2_000);
const CPS_SECONDS = size(5, 1);
const CONCURRENT = size(1000, 100);
const ECHOES = size(20, 5);
const payload = Buffer.alloc(64, 97);

/** CPU time (user + system) a process used so far, in ms; wall clock is noisy on a shared machine. */
function cpuMs(pid) {
  if (!pid) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 1/100 s ticks
  } catch {
    return Number.NaN;
  }
}

function open(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One round trip of `payload` on a socket whose data handler is `wait`. */
function echoOnce(socket) {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (chunk) => {
      got += chunk.length;
      if (got >= payload.length) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(payload);
  });
}

async function stream(port, bytesWanted = STREAM_BYTES) {
  const socket = await open(port);
  const start = performance.now();
  let bytes = 0;
  await new Promise((resolve, reject) => {
    socket.on('data', (chunk) => {
      bytes += chunk.length;
    });
    socket.on('end', resolve);
    socket.on('error', reject);
    socket.write(`${bytesWanted}\n`);
  });
  socket.destroy();
  if (bytes !== bytesWanted) throw new Error(`stream got ${bytes} of ${bytesWanted} bytes`);
  return bytesWanted / 1024 ** 2 / ((performance.now() - start) / 1000);
}

async function rtt(port) {
  const socket = await open(port);
  for (let i = 0; i < 200; i++) await echoOnce(socket); // warm-up
  const times = [];
  for (let i = 0; i < RTT_COUNT; i++) {
    const start = performance.now();
    await echoOnce(socket);
    times.push((performance.now() - start) * 1000);
  }
  socket.destroy();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] };
}

async function connectionsPerSecond(port) {
  const deadline = performance.now() + CPS_SECONDS * 1000;
  let done = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const socket = await open(port);
        await echoOnce(socket);
        socket.destroy();
        done++;
      } catch {
        errors++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: 16 }, worker));
  return { cps: done / ((performance.now() - start) / 1000), errors, count: done };
}

async function concurrent(port) {
  const start = performance.now();
  const sockets = [];
  for (let i = 0; i < CONCURRENT; i += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, CONCURRENT - i) }, () => open(port)))));
  }
  const latencies = [];
  await Promise.all(
    sockets.map(async (socket) => {
      for (let i = 0; i < ECHOES; i++) {
        const t = performance.now();
        await echoOnce(socket);
        latencies.push((performance.now() - t) * 1000);
      }
      socket.destroy();
    }),
  );
  latencies.sort((a, b) => a - b);
  return { seconds: (performance.now() - start) / 1000, p99: percentile(latencies, 99) };
}

async function measure(peer, ports, pid) {
  await stream(ports.source, 64 * 1024 ** 2); // warm-up: JIT and TCP buffers
  let cpu = cpuMs(pid);
  const streamMBs = await stream(ports.source);
  const cpuStream = cpuMs(pid) - cpu;
  cpu = cpuMs(pid);
  const { p50, p99, max } = await rtt(ports.echo);
  const cpuRtt = cpuMs(pid) - cpu;
  cpu = cpuMs(pid);
  const { cps, errors, count } = await connectionsPerSecond(ports.echo);
  const cpuConn = cpuMs(pid) - cpu;
  const conc = await concurrent(ports.echo);
  return {
    peer,
    'MB/s': streamMBs,
    'rtt p50 µs': p50,
    'rtt p99 µs': p99,
    'rtt max µs': max,
    'conn/s': cps,
    'conn err': errors,
    [`${CONCURRENT}×${ECHOES} s`]: conc.seconds,
    'conc p99 µs': conc.p99,
    'peak RSS MB': pid ? peakRssMb(pid) : Number.NaN,
    // The proxy's own CPU per unit of work: steadier than wall clock when other jobs share the cores.
    'cpu ms/GiB': (cpuStream * 1024 ** 3) / STREAM_BYTES,
    'cpu µs/rtt': (cpuRtt * 1000) / RTT_COUNT,
    'cpu µs/conn': (cpuConn * 1000) / count,
  };
}

const servers = await startProcess(`${here}servers.mjs`);
const rows = [];
const notes = [];
try {
  const upstream = [servers.info.echo, servers.info.source];
  rows.push(await measure('direct', servers.info, undefined));
  for (const [peer, mode] of [
    ['chaos (no faults)', 'plain'],
    ['chaos (latency 0)', 'latency0'],
  ]) {
    const proxy = await startProcess(`${here}proxy.mjs`, [mode, ...upstream.map(String)]);
    try {
      rows.push(await measure(peer, { echo: proxy.info.ports[0], source: proxy.info.ports[1] }, proxy.pid));
    } finally {
      await proxy.stop();
    }
  }
  if (await hasCommand('haproxy')) {
    const haproxy = await startProcess(`${here}haproxy.mjs`, upstream.map(String));
    try {
      rows.push(
        await measure(
          'haproxy (tcp)',
          { echo: haproxy.info.ports[0], source: haproxy.info.ports[1] },
          haproxy.info.pid,
        ),
      );
    } finally {
      await haproxy.stop();
    }
  } else notes.push('haproxy: skipped (not installed; apt-get install -y haproxy)');
} finally {
  await servers.stop();
}

const direct = rows[0];
printTable(
  `chaos-tcp${smoke ? ' (smoke)' : ''}: ${STREAM_BYTES / 1024 ** 2} MiB stream, ${RTT_COUNT} RTTs, ${CPS_SECONDS} s of connects, ${CONCURRENT}×${ECHOES} echoes`,
  rows,
  {
    ratioOf: 'MB/s',
    against: ['direct', 'haproxy (tcp)'],
  },
);
printTable(
  'added latency and rates relative to direct',
  rows.map((row) => ({
    peer: row.peer,
    'added p50 µs': row['rtt p50 µs'] - direct['rtt p50 µs'],
    'added p99 µs': row['rtt p99 µs'] - direct['rtt p99 µs'],
    'conn/s ×direct': row['conn/s'] / direct['conn/s'],
    'MB/s ×direct': row['MB/s'] / direct['MB/s'],
  })),
);
for (const note of notes) console.log(note);
console.log(
  '\ntargets: ≥ 600 MB/s single stream, added p50 RTT ≤ 100 µs, ≥ 800 connections/s (machine shared; numbers are noisy)',
);
