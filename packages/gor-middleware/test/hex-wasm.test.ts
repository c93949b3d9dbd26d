import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHexJs, encodeHexIntoJs, hexEnd } from '../src/hex.js';
import { decodeHex, encodeHex, encodeHexInto } from '../src/hex-codec.js';
import { HexScanner } from '../src/hex-scanner.js';

/** The obvious definition, one byte at a time. */
function expectedEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (!((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return i;
  }
  return end;
}

// Mostly lowercase digits (long clean runs), sometimes a newline, uppercase, CR or any byte.
const byte = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom(...Buffer.from('0123456789abcdef')) },
  { weight: 1, arbitrary: fc.constantFrom(0x0a, 0x0d, 0x41, 0x46, 0x2f, 0x3a, 0x60, 0x67, 0x80, 0xb0, 0xe6) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

describe('HexScanner', () => {
  it('property: the WebAssembly scan, the JavaScript scan and a byte loop agree on any span', () => {
    const scanner = new HexScanner();
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 700 }), fc.nat(), fc.nat(), (values, a, b) => {
        const chunk = Buffer.from(values);
        const start = chunk.length === 0 ? 0 : a % (chunk.length + 1);
        const end = start + (chunk.length === 0 ? 0 : b % (chunk.length - start + 1));
        scanner.load(chunk);
        expect(scanner.wasmLoaded).toBe(true);
        const expected = expectedEnd(chunk, start, end);
        expect(scanner.hexEnd(chunk, start, end)).toBe(expected);
        expect(hexEnd(chunk, start, end)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reports a stop past the data, though it reads whole blocks over bytes a longer chunk left', () => {
    const scanner = new HexScanner();
    scanner.load(Buffer.alloc(4096, 'a'));
    scanner.load(Buffer.from('abc\n'.repeat(200)));
    const short = Buffer.from('0123456789abcdef01234');
    scanner.load(short);
    // The memory after the data still holds "\n" bytes of the previous chunk.
    for (let start = 0; start <= short.length; start++) expect(scanner.hexEnd(short, start, short.length)).toBe(21);
    expect(scanner.hexEnd(short, 0, 5)).toBe(5);
  });

  it('grows its memory for a larger chunk and scans chunks over 1 MiB in JavaScript, with the same results', () => {
    const scanner = new HexScanner();
    for (const size of [70_000, 300_000, 1024 * 1024, 1024 * 1024 + 1, 3_000_000]) {
      const chunk = Buffer.alloc(size, 'f');
      chunk[size - 7] = 0x0a;
      scanner.load(chunk);
      expect(scanner.wasmLoaded).toBe(size <= 1024 * 1024);
      expect(scanner.hexEnd(chunk, 0, size)).toBe(size - 7);
      expect(scanner.hexEnd(chunk, size - 6, size)).toBe(size);
    }
  });

  it('scans an unloaded buffer (a line joined from pieces) in JavaScript', () => {
    const scanner = new HexScanner();
    const loaded = Buffer.from('aaaa\n');
    scanner.load(loaded);
    const joined = Buffer.from(`${'ab'.repeat(100)}G`);
    expect(scanner.hexEnd(joined, 0, joined.length)).toBe(200);
    expect(scanner.hexEnd(loaded, 0, loaded.length)).toBe(4);
  });

  it('works without WebAssembly', () => {
    const scanner = new HexScanner(false);
    const chunk = Buffer.from(`${'0a'.repeat(50)}\nff`);
    scanner.load(chunk);
    expect(scanner.wasmLoaded).toBe(false);
    expect(scanner.hexEnd(chunk, 0, chunk.length)).toBe(100);
  });

  it('ships the WebAssembly that hex.wat compiles to (run `npm run build:wasm` after editing it)', async () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    await expect(promisify(execFile)(process.execPath, [script, '--check'])).resolves.toBeDefined();
  });
});

describe('hex codec', () => {
  it('property: encodes like Buffer#toString("hex") and decodes either case back, at any length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(40), (values, offset) => {
        const bytes = Buffer.from(values);
        const hex = bytes.toString('hex');
        expect(encodeHex(bytes).toString('latin1')).toBe(hex);
        // Into the middle of a buffer: the bytes around the output are untouched.
        const dst = Buffer.alloc(offset + 2 * bytes.length + 40, 0x2e);
        expect(encodeHexInto(bytes, dst, offset)).toBe(offset + 2 * bytes.length);
        expect(dst.toString('latin1')).toBe('.'.repeat(offset) + hex + '.'.repeat(40));
        expect(encodeHexIntoJs(bytes, dst, offset)).toBe(offset + 2 * bytes.length);
        expect(dst.toString('latin1')).toBe('.'.repeat(offset) + hex + '.'.repeat(40));
        // Decoded from a span inside a line, lowercase and uppercase.
        for (const text of [hex, hex.toUpperCase()]) {
          const line = Buffer.from(`xyz${text}\n`, 'latin1');
          expect(decodeHex(line, 3, 3 + text.length).equals(bytes)).toBe(true);
          expect(decodeHexJs(line, 3, 3 + text.length).equals(bytes)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives each decoded payload its own memory', () => {
    const first = decodeHex(Buffer.from('00112233'), 0, 8);
    decodeHex(Buffer.from('ffffffff'), 0, 8);
    expect(first.toString('hex')).toBe('00112233');
  });

  it('handles payloads on both sides of the WebAssembly size limit (256 KiB) alike', () => {
    for (const size of [256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 700_000]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7919) & 0xff;
      const hex = encodeHex(bytes);
      expect(hex.equals(Buffer.from(bytes.toString('hex'), 'latin1'))).toBe(true);
      expect(decodeHex(hex, 0, hex.length).equals(bytes)).toBe(true);
    }
  });
});
