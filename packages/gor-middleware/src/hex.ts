import { allocSmall } from '@traffic/core';

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
  let i = hexEnd(bytes, start, end);
  if (i === end) return HEX_LOWER;
  // Byte i is not a lowercase digit: it is either bad or the first uppercase one.
  for (; i < end; i++) if (CLASS[bytes[i] as number] === INVALID) return i;
  return HEX_UPPER;
}

/** Offset of the first byte in [start, end) that is not a lowercase hex digit, or `end`. */
export function hexEnd(bytes: Uint8Array, start: number, end: number): number {
  // Four bytes at a time (SWAR) while every byte is a lowercase hex digit; the byte loop below
  // finds the exact offset within the word that failed.
  let i = start;
  if (end - start >= 64) {
    const lead = (4 - ((bytes.byteOffset + i) & 3)) & 3;
    for (const stop = i + lead; i < stop; i++) if (CLASS[bytes[i] as number] !== LOWER) return i;
    const words = wordsOf(bytes.buffer as ArrayBuffer);
    const first = (bytes.byteOffset + i) >> 2;
    const last = first + ((end - i) >> 2);
    let w = first;
    for (; w < last; w++) {
      const x = words[w] as number;
      if (x & 0x80808080) break;
      const digit = (x + 0x50505050) & ~(x + 0x46464646);
      const af = (x + 0x1f1f1f1f) & ~(x + 0x19191919);
      if (((digit | af) & 0x80808080) !== 0x80808080 >> 0) break;
    }
    i += (w - first) << 2;
  }
  for (; i < end; i++) if (CLASS[bytes[i] as number] !== LOWER) return i;
  return end;
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
  const out = allocSmall(length);
  for (let i = 0, at = start; i < length; i++, at += 2) {
    out[i] = ((VALUE[bytes[at] as number] as number) << 4) | (VALUE[bytes[at + 1] as number] as number);
  }
  return out;
}

// Two hex digits per 16-bit store: T16[b] is the digit pair of byte b, T2[(a << 8) | b] the low
// digit of a followed by the high digit of b (for odd output offsets). Little-endian layout.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const T16 = new Uint16Array(256);
const T2 = new Uint16Array(65536);
for (let i = 0; i < 256; i++) T16[i] = (DIGITS[i >> 4] as number) | ((DIGITS[i & 15] as number) << 8);
for (let a = 0; a < 256; a++) {
  for (let b = 0; b < 256; b++) T2[(a << 8) | b] = (DIGITS[a & 15] as number) | ((DIGITS[b >> 4] as number) << 8);
}

/**
 * Write the lowercase hex of `src` into `dst` at `offset`; returns the offset after it. `dst16` is
 * a Uint16Array over the whole of `dst`'s memory when `dst` starts 2-byte aligned (the output scratch).
 */
export function encodeHexInto(src: Uint8Array, dst: Buffer, offset: number, dst16?: Uint16Array): number {
  const n = src.length;
  if (n === 0) return offset;
  if (dst16 === undefined || !LITTLE_ENDIAN || (dst.byteOffset & 1) !== 0) {
    let at = offset;
    for (let i = 0; i < n; i++) {
      const byte = src[i] as number;
      dst[at++] = DIGITS[byte >> 4] as number;
      dst[at++] = DIGITS[byte & 15] as number;
    }
    return at;
  }
  const base = dst.byteOffset + offset;
  if ((base & 1) === 0) {
    const w = base >> 1;
    for (let i = 0; i < n; i++) dst16[w + i] = T16[src[i] as number] as number;
  } else {
    dst[offset] = DIGITS[(src[0] as number) >> 4] as number;
    const w = (base + 1) >> 1;
    for (let i = 0; i < n - 1; i++) dst16[w + i] = T2[((src[i] as number) << 8) | (src[i + 1] as number)] as number;
    dst[offset + 2 * n - 1] = DIGITS[(src[n - 1] as number) & 15] as number;
  }
  return offset + 2 * n;
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
