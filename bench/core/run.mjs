#!/usr/bin/env node
// Micro-benchmarks of @traffic/core's hot paths (the built dist, as users run it):
//   - HookRegistry.run on a hook name nobody listens to (target < 50 ns per call)
//   - the same with one sync listener, for context
//   - HttpMessage.parse of a realistic 1 KiB request head + reading method, target and a header
//     (target < 5 µs per parse), a response head, and setHeader on a parsed message.
// Each case: warm-up, then several timed rounds of many iterations with process.hrtime.bigint();
// the median round is reported. `--smoke` uses tiny sizes and finishes in a few seconds.
// Not a test: numbers depend on the machine and its load; nothing here asserts on them.
import { HookEvent, HookRegistry, HttpMessage } from '@traffic/core';
import { printTable, size, smoke } from '../lib.mjs';

let sink = 0; // consumed at the end so the JIT cannot drop the measured work

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median ns per call of a synchronous fn over `rounds` rounds of `iterations` calls. */
function measureSync(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn();
  const perCall = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(perCall);
}

/** The same for an async fn, awaited call by call. */
async function measureAsync(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) await fn();
  const perCall = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(perCall);
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
  const ns = measureSync(
    () => {
      if (hooks.run('request', event) === event) sink++;
    },
    size(10_000_000, 500_000),
    rounds,
  );
  rows.push({
    case: 'HookRegistry.run, no listener',
    'ns/op': ns,
    'µs/op': ns / 1000,
    target: '< 50 ns',
    met: ns < 50 ? 'yes' : 'NO',
  });
}

// (b) one sync listener: now run() returns a promise, awaited by the caller.
{
  const hooks = new HookRegistry();
  hooks.on('request', () => {
    sink++;
  });
  const event = new HookEvent();
  const ns = await measureAsync(() => hooks.run('request', event), size(500_000, 20_000), rounds);
  rows.push({
    case: 'HookRegistry.run, 1 sync listener (awaited)',
    'ns/op': ns,
    'µs/op': ns / 1000,
    target: '',
    met: '',
  });
}

// (c) parse a 1 KiB request head and read what a handler reads first.
{
  const head = requestHead1KiB();
  const ns = measureSync(
    () => {
      const message = HttpMessage.parse(head);
      sink += message.method.length + message.target.length + (message.header('user-agent')?.length ?? 0);
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push({
    case: `HttpMessage.parse 1 KiB request head (${head.length} B) + method/target/header`,
    'ns/op': ns,
    'µs/op': ns / 1000,
    target: '< 5 µs',
    met: ns < 5000 ? 'yes' : 'NO',
  });
}

{
  const ns = measureSync(
    () => {
      const message = HttpMessage.parse(responseHead);
      sink += message.status + (message.header('content-type')?.length ?? 0);
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push({
    case: `HttpMessage.parse response head (${responseHead.length} B) + status/header`,
    'ns/op': ns,
    'µs/op': ns / 1000,
    target: '',
    met: '',
  });
}

{
  const parsed = HttpMessage.parse(requestHead1KiB());
  const ns = measureSync(
    () => {
      sink += parsed.setHeader('X-Request-Id', 'replaced-id').bytes.length;
    },
    size(300_000, 20_000),
    rounds,
  );
  rows.push({
    case: 'setHeader on a parsed 1 KiB request (new message)',
    'ns/op': ns,
    'µs/op': ns / 1000,
    target: '',
    met: '',
  });
}

printTable(
  `@traffic/core micro-benchmarks${smoke ? ' (smoke: tiny sizes, numbers are rough)' : ''} — median of ${rounds} rounds, node ${process.version}`,
  rows,
);
if (sink === 0) console.log('(sink is zero: nothing ran?)');
