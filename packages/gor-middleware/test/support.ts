import { PassThrough } from 'node:stream';
import type { Logger } from '@traffic/core';
import { createLogger } from '@traffic/core';

/** One protocol line (hex + `\n`) from a header and HTTP bytes. */
export function line(header: string, http: Buffer | string = ''): string {
  return `${Buffer.concat([Buffer.from(`${header}\n`, 'latin1'), typeof http === 'string' ? Buffer.from(http, 'latin1') : http]).toString('hex')}\n`;
}

/** Decode an output line back to [header, http]. */
export function decode(out: Buffer | string | null): { header: string; http: string } {
  if (out === null) throw new Error('expected a line, got null (filtered)');
  const text = typeof out === 'string' ? out : out.toString('latin1');
  if (!text.endsWith('\n')) throw new Error('output line does not end with \\n');
  const bytes = Buffer.from(text.slice(0, -1), 'hex');
  const nl = bytes.indexOf(10);
  return { header: bytes.toString('latin1', 0, nl), http: bytes.toString('latin1', nl + 1) };
}

export const GET = 'GET /a?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n';
export const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi';

/** A logger whose records are kept (JSON lines parsed). */
export function memoryLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    destination: { write: (chunk: string) => records.push(JSON.parse(chunk) as Record<string, unknown>) },
  });
  return { logger, records };
}

/** Run a middleware over `input` with in-memory streams; resolves with the output text. */
export async function runOver(
  gor: { run(o: { input: PassThrough; output: PassThrough; handleSignals: boolean }): Promise<unknown> },
  input: string | Buffer | (string | Buffer)[],
): Promise<string> {
  const source = new PassThrough();
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = gor.run({ input: source, output: sink, handleSignals: false });
  for (const piece of Array.isArray(input) ? input : [input]) source.write(piece);
  source.end();
  await done;
  return Buffer.concat(parts).toString('latin1');
}
