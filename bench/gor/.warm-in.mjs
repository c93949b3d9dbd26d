import { createMiddleware } from '@traffic/gor-middleware';
const gor = createMiddleware();
let n = 0; const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage(); const marks = [];
gor.on('request', (req) => {
  req.http = gor.setHttpHeader(req.http, 'X-Replayed', '1');
  if (++n % 20000 === 0) { const c = process.cpuUsage(c0); marks.push([Number(process.hrtime.bigint() - t0) / 1e6, (c.user + c.system) / 1000]); }
  return req;
});
await gor.run();
let pw = 0, pc = 0; console.error(marks.map(([w, c]) => { const s = `${(w - pw).toFixed(0)}/${(c - pc).toFixed(0)}`; pw = w; pc = c; return s; }).join(' '));
