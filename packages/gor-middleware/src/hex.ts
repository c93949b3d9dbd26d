/**
 * Hex scanning on raw bytes (never through strings on the hot path). A lookup table classifies each
 * byte: lowercase hex digits are the common case, uppercase is accepted and normalised on output.
 */
const INVALID = 0;
const LOWER = 1;
const UPPER = 2;

const CLASS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = LOWER;
for (let c = 0x61; c <= 0x66; c++) CLASS[c] = LOWER;
for (let c = 0x41; c <= 0x46; c++) CLASS[c] = UPPER;

const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  VALUE[i.toString(16).charCodeAt(0)] = i;
  VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/** Result of scanning a hex span: `-1` all lowercase, `-2` valid with uppercase digits, else the offset of the first bad byte. */
export const HEX_LOWER = -1;
export const HEX_UPPER = -2;

export function scanHex(bytes: Uint8Array, start: number, end: number): number {
  // Fast path: 4 bytes at a time (SWAR) while every byte is a lowercase hex digit; the byte loop
  // below finds the position of a bad byte or notices uppercase digits.
  let i = start;
  const lead = (4 - ((bytes.byteOffset + i) & 3)) & 3;
  if (end - start >= 64) {
    const stop = Math.min(end, i + lead);
    for (; i < stop; i++) if (CLASS[bytes[i] as number] !== LOWER) return scanSlow(bytes, start, end);
    const words = wordsOf(bytes.buffer as ArrayBuffer);
    const first = (bytes.byteOffset + i) >> 2;
    const count = (end - i) >> 2;
    for (let w = first; w < first + count; w++) {
      const x = words[w] as number;
      if (x & 0x80808080) return scanSlow(bytes, start, end);
      const digit = (x + 0x50505050) & ~(x + 0x46464646);
      const af = (x + 0x1f1f1f1f) & ~(x + 0x19191919);
      if (((digit | af) & 0x80808080) !== 0x80808080 >> 0) return scanSlow(bytes, start, end);
    }
    i += count << 2;
  }
  let seen = 0;
  for (; i < end; i++) {
    const cls = CLASS[bytes[i] as number] as number;
    if (cls === INVALID) return i;
    seen |= cls;
  }
  return seen & UPPER ? HEX_UPPER : HEX_LOWER;
}

// One 32-bit view per input ArrayBuffer (many lines share a read buffer), not one per line.
let lastBuffer: ArrayBuffer | undefined;
let lastWords = new Uint32Array(0);
function wordsOf(buffer: ArrayBuffer): Uint32Array {
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    lastWords = new Uint32Array(buffer, 0, buffer.byteLength >> 2);
  }
  return lastWords;
}

function scanSlow(bytes: Uint8Array, start: number, end: number): number {
  let seen = 0;
  for (let i = start; i < end; i++) {
    const cls = CLASS[bytes[i] as number] as number;
    if (cls === INVALID) return i;
    seen |= cls;
  }
  return seen & UPPER ? HEX_UPPER : HEX_LOWER;
}

/** Value of the byte pair at `at` (both must be hex digits), or -1. */
export function hexByte(bytes: Uint8Array, at: number): number {
  const hi = VALUE[bytes[at] as number] as number;
  const lo = VALUE[bytes[at + 1] as number] as number;
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/** A lowercase copy of a hex span (only called for the rare uppercase input). */
export function lowerHex(bytes: Uint8Array, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    out[i - start] = b >= 0x41 && b <= 0x46 ? b + 0x20 : b;
  }
  return out;
}

// Small spans are converted in JS (no intermediate string, no native call); large ones natively.
const NATIVE_FROM = 2048;
const DIGITS = new Uint8Array(16);
for (let i = 0; i < 16; i++) DIGITS[i] = i.toString(16).charCodeAt(0);

/** Decode a valid, even-length hex span to bytes. */
export function decodeHex(bytes: Buffer, start: number, end: number): Buffer {
  const length = (end - start) >> 1;
  if (length >= NATIVE_FROM) return Buffer.from(bytes.toString('latin1', start, end), 'hex');
  const out = Buffer.allocUnsafe(length);
  for (let i = 0, at = start; i < length; i++, at += 2) {
    out[i] = ((VALUE[bytes[at] as number] as number) << 4) | (VALUE[bytes[at + 1] as number] as number);
  }
  return out;
}

// Buffer's own hexSlice/latin1Write skip toString/write's argument handling; fall back when absent.
type FastBuffer = Buffer & {
  hexSlice?: (start: number, end: number) => string;
  latin1Write?: (text: string, offset: number) => number;
};

/** Write the lowercase hex of `src` into `dst` at `offset`; returns the offset after it. */
export function encodeHexInto(src: Buffer, dst: Buffer, offset: number): number {
  const fastSrc = src as FastBuffer;
  const fastDst = dst as FastBuffer;
  const text = fastSrc.hexSlice === undefined ? src.toString('hex') : fastSrc.hexSlice(0, src.length);
  if (fastDst.latin1Write === undefined) dst.write(text, offset, 'latin1');
  else fastDst.latin1Write(text, offset);
  return offset + src.length * 2;
}

/** Write the lowercase hex of a latin1 string's char codes (a header line). */
export function encodeLatin1HexInto(text: string, dst: Buffer, offset: number): number {
  let at = offset;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i) & 0xff;
    dst[at++] = DIGITS[code >> 4] as number;
    dst[at++] = DIGITS[code & 15] as number;
  }
  return at;
}

/** The lowercase hex of `src` as a new Buffer (native for large inputs). */
export function encodeHex(src: Buffer): Buffer {
  if (src.length >= NATIVE_FROM) return Buffer.from(src.toString('hex'), 'latin1');
  const out = Buffer.allocUnsafe(src.length * 2);
  encodeHexInto(src, out, 0);
  return out;
}
