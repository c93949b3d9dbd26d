import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMiddleware, RECORD_SEPARATOR, readGorFile, replayGorFile, splitRecords } from '../src/index.js';
import { memoryLogger } from './support.js';

const SEP = RECORD_SEPARATOR.toString('utf8');
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gor-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const record of source) out.push(record.toString('latin1'));
  return out;
}

describe('.gor files', () => {
  it('splits records on the separator even when it straddles chunks', async () => {
    const data = Buffer.from(`1 a 1 0\nGET / HTTP/1.1\r\n\r\n${SEP}2 a 1 1\nHTTP/1.1 200 OK\r\n\r\n${SEP}`, 'utf8');
    for (const size of [1, 3, 7, 1000]) {
      async function* chunks() {
        for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
      }
      expect(await collect(splitRecords(chunks()))).toEqual([
        '1 a 1 0\nGET / HTTP/1.1\r\n\r\n',
        '2 a 1 1\nHTTP/1.1 200 OK\r\n\r\n',
      ]);
    }
  });

  it('reads plain and gzipped files; a last record without separator counts', async () => {
    const text = `1 a 1 0\nGET /1 HTTP/1.1\r\n\r\n${SEP}1 b 1 0\nGET /2 HTTP/1.1\r\n\r\n`;
    await writeFile(join(dir, 'plain.gor'), text);
    await writeFile(join(dir, 'zipped.gor.gz'), gzipSync(text));
    const expected = ['1 a 1 0\nGET /1 HTTP/1.1\r\n\r\n', '1 b 1 0\nGET /2 HTTP/1.1\r\n\r\n'];
    expect(await collect(readGorFile(join(dir, 'plain.gor')))).toEqual(expected);
    expect(await collect(readGorFile(join(dir, 'zipped.gor.gz')))).toEqual(expected);
    await expect(collect(readGorFile(join(dir, 'missing.gor')))).rejects.toMatchObject({
      code: 'TRAFFIC_ERR_GOR_FILE_UNREADABLE',
    });
  });

  it('replays records through handlers, counting and skipping bad ones', async () => {
    const records = [
      '1 a 1 0\nGET /keep HTTP/1.1\r\n\r\n',
      'no header terminator',
      '1 b 1 0\nGET /drop HTTP/1.1\r\n\r\n',
      '2 a 1 5\nHTTP/1.1 200 OK\r\n\r\n',
    ];
    await writeFile(join(dir, 'in.gor'), records.map((r) => r + SEP).join(''));
    const { logger, records: logs } = memoryLogger();
    const gor = createMiddleware({ logger });
    gor.on('request', (req) => (gor.httpPath(req.http) === '/drop' ? null : req));
    gor.on('response', async (resp) => {
      resp.http = gor.setHttpHeader(resp.http, 'X-Replayed', 'yes');
      return resp;
    });
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (chunk: Buffer) => parts.push(chunk));
    const stats = await replayGorFile(gor, join(dir, 'in.gor'), out, { format: 'gor' });
    expect(Buffer.concat(parts).toString('utf8')).toBe(
      `1 a 1 0\nGET /keep HTTP/1.1\r\n\r\n${SEP}2 a 1 5\nHTTP/1.1 200 OK\r\nX-Replayed: yes\r\n\r\n${SEP}`,
    );
    expect(stats.malformed).toBe(1);
    expect(logs.find((r) => r.code === 'TRAFFIC_ERR_GOR_MALFORMED_LINE')).toMatchObject({ record: 2 });
    expect(stats.byType.request).toMatchObject({ in: 2, forwarded: 1, filtered: 1 });
    expect(stats.byType.response).toMatchObject({ in: 1, forwarded: 1, modified: 1 });

    const hex = new PassThrough();
    const hexParts: Buffer[] = [];
    hex.on('data', (chunk: Buffer) => hexParts.push(chunk));
    await replayGorFile(createMiddleware(), join(dir, 'in.gor'), hex, { format: 'hex' });
    expect(Buffer.concat(hexParts).toString('latin1')).toBe(
      [records[0], records[2], records[3]]
        .map((r) => `${Buffer.from(r as string, 'latin1').toString('hex')}\n`)
        .join(''),
    );
  });
});
