import { PassThrough } from 'node:stream';
import { main } from '../src/main.js';

/** In-memory stdout/stderr for main() and buildProgram(), read back as text. */
export function captureIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    io: { stdout, stderr },
    out: () => out,
    err: () => err,
  };
}

/** Run the CLI in-process: exit code (undefined for servers still running) and both outputs. */
export async function runMain(args: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  const capture = captureIo();
  const code = await main(args, capture.io);
  return { code, out: capture.out(), err: capture.err() };
}
