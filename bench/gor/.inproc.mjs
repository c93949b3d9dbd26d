import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { createMiddleware } from '@traffic/gor-middleware';
const [mode, reps = '5'] = process.argv.slice(2);
const data = readFileSync('/tmp/p/c.hex');
const chunks = [];
for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, i + 65536));
async function once() {
  const gor = createMiddleware();
  if (mode === 'touch') gor.on('request', (req) => { req.http; return req; });
  else if (mode === 'same') gor.on('request', (req) => req);
  else if (mode === 'header') gor.on('request', (req) => { req.http = gor.setHttpHeader(req.http, 'X-Replayed', '1'); return req; });
  else if (mode === 'parse') gor.on('request', (req) => { gor.httpHeader(req.http, 'X-Replayed'); return req; });
  let i = 0;
  const input = new Readable({ read() { this.push(i < chunks.length ? chunks[i++] : null); } });
  const output = new Writable({ write(_c, _e, cb) { cb(); }, writev(_c, cb) { cb(); } });
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await gor.run({ input, output, handleSignals: false });
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0), (c.user + c.system) / 1000];
}
const res = [];
for (let r = 0; r < Number(reps); r++) res.push(await once());
console.log(mode.padEnd(8), res.map(([w, c]) => `${w.toFixed(0)}/${c.toFixed(0)}`).join(' '), ' µs/msg steady', (Math.min(...res.slice(1).map((x) => x[0])) / 200).toFixed(2));
