#!/usr/bin/env node
import { availableParallelism, loadavg } from 'node:os';
// Micro-benchmarks of @traffic/core's hot paths (the built dist, as users run it):
//   - HookRegistry.run on a hook name nobody listens to (target < 50 ns per call)
//   - the same with one sync listener, for context
//   - HttpMessage.parse of a realistic 1 KiB request head + reading method, target and a header
//     (target < 5 µs per parse), a response head, and setHeader on a parsed message.
// Each case: warm-up, then several timed rounds of many iterations, timed with process.hrtime.bigint()
// (wall) and process.cpuUsage() (CPU); the median round is reported, plus the best wall round. On a
// shared machine wall time also counts the time spent waiting for a core, so targets are judged on
// CPU time and both are printed. `--smoke` uses tiny sizes and finishes in a few seconds.
// Not a test: numbers depend on the machine and its load; nothing here asserts on them.
import { HookEvent, HookRegistry, HttpMessage } from '@traffic/core';
import { median, printTable, size, smoke } from '../lib.mjs';

let sink = 0; // consumed at the end so the JIT cannot drop the measured work

/** One timed round: wall ns (hrtime) and process CPU ns (user + system) per call. */
function sample(startWall, startCpu, iterations) {
  const wall = Number(process.hrtime.bigint() - startWall) / iterations;
  const cpu = process.cpuUsage(startCpu);
  return { wall, cpu: ((cpu.user + cpu.system) * 1000) / iterations };
}

/**
 * Median ns per call over `rounds` rounds of `iterations` calls, as wall time and as CPU time. On a
 * shared machine wall time includes time the process waited for a core; CPU time does not.
 */
function summarize(samples) {
  return {
    wall: median(samples.map((one) => one.wall)),
    cpu: median(samples.map((one) => one.cpu)),
    best: Math.min(...samples.map((one) => one.wall)),
  };
}

function measureSync(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn();
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const startCpu = process.cpuUsage();
    const startWall = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(sample(startWall, startCpu, iterations));
  }
  return summarize(samples);
}

/** The same for an async fn, awaited call by call. */
async function measureAsync(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) await fn();
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const startCpu = process.cpuUsage();
    const startWall = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    samples.push(sample(startWall, startCpu, iterations));
  }
  return summarize(samples);
}

/** A table row; the target is judged on CPU time (wall time on a busy machine measures the machine). */
function row(name, result, targetNs, targetText) {
  return {
    case: name,
    'wall ns/op': result.wall,
    'cpu ns/op': result.cpu,
    'best wall ns/op': result.best,
    target: targetText ?? '',
    met: targetNs === undefined ? '' : result.cpu < targetNs ? 'yes' : 'NO',
  };
}

/** A browser-like GET with the usual headers, padded with a cookie to exactly 1024 bytes. */
function requestHead1KiB() {
  const lines = [
    'GET /api/v1/orders/8c1f2b3e-77aa-4c1e-9d1b-2f0a6b5e4d3c/items?expand=product&limit=50&sort=-created HTTP/1.1',
    'Host: shop.example.test',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    'Accept: application/json, text/plain, */*',
    'Accept-Language: en-US,en;q=0.9,de;q=0.8',
    'Accept-Encoding: gzip, deflate, br',
    'Referer: https://shop.example.test/orders/8c1f2b3e',
    'X-Request-Id: 0f8e2a1c-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
    'X-Forwarded-For: 203.0.113.7, 198.51.100.23',
    'X-Forwarded-Proto: https',
    'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
    'Cache-Control: no-cache',
    'Connection: keep-alive',
    'Sec-Fetch-Mode: cors',
    'Sec-Fetch-Site: same-origin',
  ];
  const base = `${lines.join('\r\n')}\r\nCookie: session=\r\n\r\n`;
  const pad = 1024 - base.length;
  if (pad < 0) throw new Error(`request head is ${base.length} bytes, over 1 KiB`);
  const head = `${lines.join('\r\n')}\r\nCookie: session=${'a'.repeat(pad)}\r\n\r\n`;
  return Buffer.from(head, 'latin1');
}

const responseHead = Buffer.from(
  [
    'HTTP/1.1 200 OK',
    'Date: Mon, 23 Nov 2026 12:00:00 GMT',
    'Content-Type: application/json; charset=utf-8',
    'Content-Length: 1834',
    'Cache-Control: private, max-age=0',
    'ETag: W/"72a-18c1f2b3e77"',
    'Vary: Accept-Encoding',
    'X-Request-Id: 0f8e2a1c-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
    'Set-Cookie: session=abc; Path=/; HttpOnly; Secure; SameSite=Lax',
    'Strict-Transport-Security: max-age=63072000',
    '',
    '',
  ].join('\r\n'),
  'latin1',
);

const rounds = size(7, 3);
const rows = [];

// (a) no listener: the cost every instrumented call site pays when a feature is unused.
{
  const hooks = new HookRegistry();
  hooks.on('other', () => {});
  const event = new HookEvent();
  const result = measureSync(
    () => {
      if (hooks.run('request', event) === event) sink++;
    },
    size(10_000_000, 500_000),
    rounds,
  );
  rows.push(row('HookRegistry.run, no listener', result, 50, '< 50 ns'));
}

// (b) one sync listener: now run() returns a promise, awaited by the caller.
{
  const hooks = new HookRegistry();
  hooks.on('request', () => {
    sink++;
  });
  const event = new HookEvent();
  const result = await measureAsync(() => hooks.run('request', event), size(500_000, 20_000), rounds);
  rows.push(row('HookRegistry.run, 1 sync listener (awaited)', result));
}

// (c) parse a 1 KiB request head and read what a handler reads first.
{
  const head = requestHead1KiB();
  const result = measureSync(
    () => {
      const message = HttpMessage.parse(head);
      sink += message.method.length + message.target.length + (message.header('user-agent')?.length ?? 0);
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push(
    row(`HttpMessage.parse 1 KiB request head (${head.length} B) + method/target/header`, result, 5000, '< 5 µs'),
  );
}

{
  const result = measureSync(
    () => {
      const message = HttpMessage.parse(responseHead);
      sink += message.status + (message.header('content-type')?.length ?? 0);
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push(row(`HttpMessage.parse response head (${responseHead.length} B) + status/header`, result));
}

{
  const parsed = HttpMessage.parse(requestHead1KiB());
  const result = measureSync(
    () => {
      sink += parsed.setHeader('X-Request-Id', 'replaced-id').bytes.length;
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push(row('setHeader on a parsed 1 KiB request (new message)', result));
}

printTable(
  `@traffic/core micro-benchmarks${smoke ? ' (smoke: tiny sizes, numbers are rough)' : ''}: median of ${rounds} rounds, node ${process.version}, load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores; targets judged on CPU time`,
  rows,
);
if (sink === 0) console.log('(sink is zero: nothing ran?)');
