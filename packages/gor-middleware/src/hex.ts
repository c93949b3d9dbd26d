import { allocSmall } from '@traffic/core';

/**
 * Hex work on raw bytes in JavaScript (never through strings on the hot path): the general scan that
 * tells bad bytes from uppercase digits, and the fallbacks of hex.wat (see HexScanner and
 * hex-codec.ts) where WebAssembly is missing. A lookup table classifies each byte: lowercase hex
 * digits are the common case, uppercase is accepted and normalised on output.
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

const DIGITS = new Uint8Array(16);
for (let i = 0; i < 16; i++) DIGITS[i] = i.toString(16).charCodeAt(0);

/** Decode a valid, even-length hex span to bytes, one pair at a time (see hex-codec.ts). */
export function decodeHexJs(bytes: Uint8Array, start: number, end: number): Buffer {
  const length = (end - start) >> 1;
  const out = allocSmall(length);
  for (let i = 0, at = start; i < length; i++, at += 2) {
    out[i] = ((VALUE[bytes[at] as number] as number) << 4) | (VALUE[bytes[at + 1] as number] as number);
  }
  return out;
}

/** Write the lowercase hex of `src` into `dst` at `offset`, one byte at a time; returns the offset after it. */
export function encodeHexIntoJs(src: Uint8Array, dst: Uint8Array, offset: number): number {
  let at = offset;
  for (let i = 0; i < src.length; i++) {
    const byte = src[i] as number;
    dst[at++] = DIGITS[byte >> 4] as number;
    dst[at++] = DIGITS[byte & 15] as number;
  }
  return at;
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
