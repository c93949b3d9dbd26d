import { setHttpHeader } from '@traffic/gor-middleware';
const head = `GET /api/v1/items/123?page=2&sort=desc HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench/1.0\r\nAccept: application/json\r\nCookie: session=abc123; theme=dark\r\n\r\n`;
const payload = Buffer.from(head, 'latin1');
let s = 0; const t = performance.now();
for (let i = 0; i < 3e6; i++) s += setHttpHeader(payload, 'X-Replayed', '1').length;
console.log(((performance.now() - t) * 1000 / 3e6).toFixed(3), 'µs', s > 0);
