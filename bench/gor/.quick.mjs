import { allocSmall } from '@traffic/core';
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[ch.charCodeAt(0)] = 1;
function findHeadEnd(text, from) {
  for (let lf = text.indexOf('\n', from); lf >= 0; lf = text.indexOf('\n', lf + 1)) {
    const next = text.charCodeAt(lf + 1);
    if (next === 10 || (next === 13 && text.charCodeAt(lf + 2) === 10)) return lf;
  }
  return -1;
}
let lastName = '', lastValue = '', lastLower = '';
export function quickSet(bytes, name, value) {
  if (name !== lastName || value !== lastValue) { if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\0\r\n]/.test(value)) return undefined; lastName = name; lastValue = value; lastLower = name.toLowerCase(); }
  const text = bytes.latin1Slice(0, Math.min(bytes.length, 4096));
  const endLf = findHeadEnd(text, 0);
  if (endLf < 0) return undefined;
  const headersEnd = endLf + 1;
  const firstLf = text.indexOf('\n');
  const crlf = firstLf > 0 && text.charCodeAt(firstLf - 1) === 13;
  // start line check (rough)
  const sp1 = text.indexOf(' '); const sp2 = text.lastIndexOf(' ', firstLf);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || !text.startsWith('HTTP/1.', sp2 + 1)) return undefined;
  for (let i = sp1 + 1; i < sp2; i++) { const c = text.charCodeAt(i); if (c <= 32 || c === 127) return undefined; }
  let pos = firstLf + 1, found = -1, foundEnd = -1;
  const lower = lastLower;
  while (pos < headersEnd) {
    const lf = text.indexOf('\n', pos);
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon > lf || colon === pos) return undefined;
    for (let i = pos; i < colon; i++) if (TOKEN[text.charCodeAt(i)] !== 1) return undefined;
    const cr = text.indexOf('\r', pos);
    if (cr >= 0 && cr < lf - 1) return undefined;
    if (colon - pos === lower.length) {
      let same = true;
      for (let i = 0; i < lower.length; i++) { let c = text.charCodeAt(pos + i); if (c >= 65 && c <= 90) c += 32; if (c !== lower.charCodeAt(i)) { same = false; break; } }
      if (same) { if (found >= 0) return undefined; found = pos; foundEnd = lf + 1; }
    }
    pos = lf + 1;
  }
  if (text.indexOf('\0') >= 0 && text.indexOf('\0') < headersEnd) return undefined;
  const nl = crlf ? 2 : 1;
  const start = found >= 0 ? found : headersEnd, end = found >= 0 ? foundEnd : headersEnd;
  const lineName = found >= 0 ? text.slice(found, found + lower.length) : name;
  const size = bytes.length - (end - start) + lineName.length + 2 + value.length + nl;
  const out = allocSmall(size);
  let at = bytes.copy(out, 0, 0, start);
  at += out.latin1Write(lineName, at); out[at++] = 58; out[at++] = 32; at += out.latin1Write(value, at);
  if (crlf) out[at++] = 13; out[at++] = 10;
  bytes.copy(out, at, end);
  return out;
}
