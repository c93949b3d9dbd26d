import { setHttpHeader } from '@traffic/gor-middleware';
import { decodeHex, encodeHexInto } from '../../packages/gor-middleware/dist/hex.js';
const head = `GET /api/v1/items/123?page=2&sort=desc HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench/1.0\r\nAccept: application/json\r\nCookie: session=abc123; theme=dark\r\n\r\n`;
const hex = Buffer.from(Buffer.from(head, 'latin1').toString('hex'), 'latin1');
const payload = Buffer.from(head, 'latin1');
const out = Buffer.allocUnsafeSlow(1 << 20); const out16 = new Uint16Array(out.buffer);
function time(name, fn, n = 300000) {
  for (let r = 0; r < 5; r++) { const t = performance.now(); for (let i = 0; i < n; i++) fn(i); const dt = performance.now() - t; if (r >= 3) console.log(name.padEnd(12), ((dt * 1000) / n).toFixed(3), 'µs'); }
}
let sink = 0;
time('decode', () => { sink += decodeHex(hex, 0, hex.length).length; });
time('setHeader', () => { sink += setHttpHeader(payload, 'X-Replayed', '1').length; });
time('encode', (i) => { sink += encodeHexInto(payload, out, (i & 1023) * 512, out16); });
time('nat-enc', (i) => { sink += out.latin1Write(payload.hexSlice(0, payload.length), (i & 1023) * 512); });
time('nat-dec', () => { sink += Buffer.from(hex.latin1Slice(0, hex.length), 'hex').length; });
console.log(sink > 0);
const { HttpMessage, parseHead } = await import('@traffic/core');
time('parseHead', () => { sink += parseHead(payload, { allowPartial: true }).headers.length; });
const m = HttpMessage.parse(payload, { allowPartial: true });
time('setH-noparse', () => { sink += new HttpMessage(payload, { allowPartial: true }).setHeader('X-Replayed', '1').bytes.length; });
time('latin1Slice', () => { sink += payload.latin1Slice(0, payload.length).length; });
console.log(sink > 0);
const { parseHeadFor } = await import('../../packages/core/dist/message/head.js');
time('parseHeadFor', () => { sink += parseHeadFor(payload, { allowPartial: true }, 'x-replayed').headersEnd; });
time('setH-full', () => { sink += setHttpHeader(payload, 'X-Replayed', '1').length; });
console.log(sink > 0);
