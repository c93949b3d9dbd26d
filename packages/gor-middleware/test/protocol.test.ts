import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMiddleware } from '../src/index.js';
import { decode, GET, line, memoryLogger, OK, runOver } from './support.js';

describe('protocol lines', () => {
  it('echoes an unchanged line byte-identically when a handler only reads fields', async () => {
    const gor = createMiddleware();
    const seen: string[] = [];
    gor.on('message', (m) => {
      seen.push(`${m.type}/${m.ID}/${m.timestamp}/${m.latency}`);
      return m;
    });
    const input = line('1 8e0917 1580810103616838000 0', GET);
    expect((await gor.process(input))?.toString('latin1')).toBe(input);
    expect(seen).toEqual(['1/8e0917/1580810103616838000/0']);
  });

  it('accepts 3-field headers, latency -1, extra fields and IDs of any length and alphabet', async () => {
    const gor = createMiddleware();
    const ids: string[] = [];
    gor.on('message', (m) => {
      ids.push(m.ID);
      m.http = Buffer.concat([m.http, Buffer.from('')]); // force a re-encode of the same bytes
      return m;
    });
    const longId = 'x'.repeat(500);
    for (const header of ['1 abc 123', `2 ${longId} 1 -1`, '3 ÿ-id_ü 5 -1 extra more']) {
      const out = decode(await gor.process(line(header, OK)));
      expect(out.header).toBe(header);
      expect(out.http).toBe(OK);
    }
    expect(ids).toEqual(['abc', longId, 'ÿ-id_ü']);
  });

  it('accepts an empty HTTP part and binary payloads with NUL and non-UTF-8 bytes', async () => {
    const gor = createMiddleware();
    gor.on('message', (m) => m);
    const empty = line('1 id 1 0', '');
    expect((await gor.process(empty))?.toString()).toBe(empty);
    const binary = Buffer.concat([
      Buffer.from('POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n'),
      Buffer.from([0, 0xff, 0xfe, 0x0a, 0x0d, 0x80]),
    ]);
    gor.on('request', (m) => {
      m.http = gor.setHttpHeader(m.http, 'X-Seen', '1');
      return m;
    });
    const out = Buffer.from((await gor.process(line('1 id 1 0', binary)))?.toString().trim() ?? '', 'hex');
    expect(out.subarray(out.length - 6)).toEqual(Buffer.from([0, 0xff, 0xfe, 0x0a, 0x0d, 0x80]));
    expect(out.toString('latin1')).toContain('X-Seen: 1\r\n');
  });

  it('accepts upper-case hex and always writes lowercase, \\n only', async () => {
    const gor = createMiddleware();
    const upper = line('1 id 1 0', GET).trim().toUpperCase();
    const out = (await gor.process(`${upper}\r\n`))?.toString() ?? '';
    expect(out).toBe(line('1 id 1 0', GET));
    expect(out).not.toMatch(/[A-F\r]/);
  });

  it('writes the header from the message fields after a change', async () => {
    const gor = createMiddleware();
    gor.on('request', (m) => {
      m.ID = 'new-id';
      m.latency = '-1';
      return m;
    });
    expect(decode(await gor.process(line('1 old 7 0', GET)))).toEqual({ header: '1 new-id 7 -1', http: GET });
  });

  it('rejects malformed lines with a coded error', async () => {
    const gor = createMiddleware();
    for (const bad of ['zz', 'abc', line('1 id', GET), Buffer.from('no newline').toString('hex'), '']) {
      await expect(gor.process(bad)).rejects.toMatchObject({ code: 'TRAFFIC_ERR_GOR_MALFORMED_LINE' });
    }
  });

  it('property: a passthrough middleware echoes any valid line byte-identically', async () => {
    const hexLine = fc
      .record({
        type: fc.constantFrom('1', '2', '3', '4', 'x'),
        id: fc.stringMatching(/^[0-9a-zA-Z_\-.]{1,40}$/),
        ts: fc.stringMatching(/^[0-9]{1,19}$/),
        latency: fc.option(fc.constantFrom('0', '-1', '123456'), { nil: undefined }),
        http: fc.uint8Array({ maxLength: 300 }),
      })
      .map(({ type, id, ts, latency, http }) =>
        line(latency === undefined ? `${type} ${id} ${ts}` : `${type} ${id} ${ts} ${latency}`, Buffer.from(http)),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(hexLine, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 97 }),
        async (lines, cut) => {
          // Through the stream engine with the input cut at arbitrary byte boundaries, with and without a handler.
          const input = Buffer.from(lines.join(''), 'latin1');
          const pieces: Buffer[] = [];
          for (let at = 0; at < input.length; at += cut) pieces.push(input.subarray(at, at + cut));
          expect(await runOver(createMiddleware(), pieces)).toBe(lines.join(''));
          const observed = createMiddleware().on('message', (m) => m);
          expect(await runOver(observed, pieces)).toBe(lines.join(''));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('stream engine', () => {
  it('skips a malformed line mid-stream, reports its line number and keeps processing', async () => {
    const { logger, records } = memoryLogger();
    const gor = createMiddleware({ logger });
    const good1 = line('1 a 1 0', GET);
    const good2 = line('1 b 1 0', GET);
    const out = await runOver(gor, [good1, 'not hex at all\n', '\n', good2, 'abc\n', good2]);
    expect(out).toBe(good1 + good2 + good2);
    const errors = records.filter((r) => r.code === 'TRAFFIC_ERR_GOR_MALFORMED_LINE');
    expect(errors.map((r) => r.line)).toEqual([2, 5]);
    expect(String(errors[0]?.msg)).toContain('line 2');
    expect(gor.stats).toMatchObject({ lines: 6, empty: 1, malformed: 2 });
    expect(gor.stats.byType.request).toMatchObject({ in: 3, forwarded: 3 });
  });

  it('validates lines split across reads: bad bytes and case are found in any piece', async () => {
    const { logger, records } = memoryLogger();
    const gor = createMiddleware({ logger });
    const good = line('1 a 1 0', `GET /${'x'.repeat(300)} HTTP/1.1\r\n\r\n`);
    const bad = `${good.slice(0, 400)}q${good.slice(401)}`;
    const upper = good.toUpperCase().replace('N', '\n');
    const pieces = [
      good.slice(0, 100),
      good.slice(100, 500),
      good.slice(500),
      bad.slice(0, 300),
      bad.slice(300, 600),
      bad.slice(600),
    ];
    pieces.push(upper.slice(0, 200), upper.slice(200), `${good.slice(0, 50)}`, good.slice(50, -1), '\r\n');
    expect(await runOver(gor, pieces)).toBe(good + good + good);
    const report = records.find((r) => r.code === 'TRAFFIC_ERR_GOR_MALFORMED_LINE');
    expect(report).toMatchObject({ line: 2 });
    expect(String(report?.msg)).toContain('column 401');
    expect(gor.stats.byType.request).toMatchObject({ in: 3, forwarded: 3 });
  });

  it('property: with bad lines anywhere and reads cut anywhere, the engine writes what process() does line by line', async () => {
    const valid = fc
      .record({ id: fc.stringMatching(/^[0-9a-z]{1,30}$/), http: fc.uint8Array({ maxLength: 200 }) })
      .map(({ id, http }) => line(`1 ${id} 1 0`, Buffer.from(http)).slice(0, -1));
    const anyLine = fc.oneof(
      { weight: 6, arbitrary: valid },
      { weight: 1, arbitrary: valid.map((text) => text.toUpperCase()) },
      { weight: 1, arbitrary: valid.map((text) => `${text}\r`) },
      { weight: 1, arbitrary: valid.map((text) => text.slice(0, -1)) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(valid, fc.nat(), fc.constantFrom('g', 'Z', ' ', '\r', '\u0000', '\u00e6'))
          .map(([text, at, bad]) => text.slice(0, at % text.length) + bad + text.slice((at % text.length) + 1)),
      },
      { weight: 1, arbitrary: fc.constantFrom('', '\r', Buffer.from('no header').toString('hex')) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyLine, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 400 }),
        async (lines, cut) => {
          const reference = createMiddleware();
          let expected = '';
          let malformed = 0;
          for (const text of lines) {
            if (text === '' || text === '\r') continue;
            try {
              expected += (await reference.process(text))?.toString('latin1');
            } catch {
              malformed++;
            }
          }
          const input = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
          const pieces: Buffer[] = [];
          for (let at = 0; at < input.length; at += cut) pieces.push(input.subarray(at, at + cut));
          for (const gor of [
            createMiddleware({ logger: memoryLogger().logger }),
            createMiddleware({ logger: memoryLogger().logger }).on('message', (m) => m),
            // An async handler holds the input after every line: each read is resumed, not rescanned.
            createMiddleware({ logger: memoryLogger().logger }).on('message', async (m) => m),
          ]) {
            expect(await runOver(gor, pieces)).toBe(expected);
            expect(gor.stats.malformed).toBe(malformed);
            expect(gor.stats.lines).toBe(lines.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('checks reads over 1 MiB (scanned in JavaScript, not copied to WebAssembly) the same way', async () => {
    const { logger } = memoryLogger();
    const gor = createMiddleware({ logger });
    const pieces: string[] = [];
    let expected = '';
    for (let i = 0; i < 12_000; i++) {
      const good = line(`1 id${i} 1 0`, GET);
      const text =
        i % 1000 === 999
          ? `${good.slice(0, 40)}Q${good.slice(41)}`
          : i % 1000 === 500
            ? good.toUpperCase().replace('N', '\n')
            : good;
      pieces.push(text);
      if (i % 1000 !== 999) expected += good;
    }
    const input = Buffer.from(pieces.join(''), 'latin1');
    expect(input.length).toBeGreaterThan(1024 * 1024);
    expect(await runOver(gor, [input])).toBe(expected);
    expect(gor.stats).toMatchObject({ lines: 12_000, malformed: 12 });
  });

  it('processes a last line that has no trailing newline', async () => {
    const gor = createMiddleware();
    expect(await runOver(gor, line('1 a 1 0', GET).trim())).toBe(line('1 a 1 0', GET));
  });

  it('handles a 20 MB payload line split over many chunks, with and without a handler', async () => {
    const body = Buffer.alloc(20 * 1024 * 1024, 0xab);
    const big = line(
      '1 big 1 0',
      Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
    );
    const small = line('1 s 1 0', GET);
    const pieces: string[] = [];
    for (let at = 0; at < big.length; at += 65536) pieces.push(big.slice(at, at + 65536));
    expect(await runOver(createMiddleware(), [small, ...pieces, small])).toBe(small + big + small);

    const gor = createMiddleware();
    gor.on('request', (m) => {
      m.http = gor.setHttpHeader(m.http, 'X-Big', String(gor.httpBody(m.http).length));
      return m;
    });
    const out = await runOver(gor, [...pieces]);
    const decoded = decode(out);
    expect(decoded.http).toContain(`X-Big: ${body.length}\r\n`);
    expect(decoded.http.length).toBe(
      body.length + `POST / HTTP/1.1\r\nContent-Length: ${body.length}\r\nX-Big: ${body.length}\r\n\r\n`.length,
    );
  }, 60_000);

  it('reuses output memory only after the stream has taken it: a slow stdout gets every line intact', async () => {
    // The sink copies each chunk only when it completes the write, a little later, as a pipe
    // does: a scratch buffer rewritten before that would show up as corrupted lines.
    const taken: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        setTimeout(() => {
          taken.push(Buffer.from(chunk));
          callback();
        }, 1);
      },
    });
    // 1 MiB of buffered output allows 4 spare scratch buffers; the output below fills about 20.
    const gor = createMiddleware({ maxBufferedBytes: 1024 * 1024 });
    gor.on('request', (m) => {
      m.http = gor.setHttpHeader(m.http, 'X-Line', m.ID);
      return m;
    });
    const source = new PassThrough();
    const done = gor.run({ input: source, output: sink, handleSignals: false });
    const count = 30_000;
    for (let i = 0; i < count; i += 100) {
      let piece = '';
      for (let j = i; j < i + 100; j++) piece += line(`1 id${j} ${j} 0`, GET);
      source.write(piece);
    }
    source.end();
    await done;
    const lines = Buffer.concat(taken).toString('latin1').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(count);
    lines.forEach((text, i) => {
      const { header, http } = decode(`${text}\n`);
      if (header !== `1 id${i} ${i} 0` || !http.endsWith(`X-Line: id${i}\r\n\r\n`)) {
        throw new Error(`line ${i + 1} is corrupted: ${JSON.stringify(header)} ${JSON.stringify(http)}`);
      }
    });
  }, 60_000);

  it('skips lines longer than maxLineBytes and counts them', async () => {
    const { logger, records } = memoryLogger();
    const gor = createMiddleware({ logger, maxLineBytes: 1024 });
    const long = line('1 long 1 0', `GET /${'a'.repeat(2000)} HTTP/1.1\r\n\r\n`);
    const ok = line('1 ok 1 0', GET);
    expect(await runOver(gor, [ok, long.slice(0, 700), long.slice(700, 1500), long.slice(1500), ok, long, ok])).toBe(
      ok + ok + ok,
    );
    expect(gor.stats.tooLong).toBe(2);
    expect(records.filter((r) => r.code === 'TRAFFIC_ERR_GOR_LINE_TOO_LONG').map((r) => r.line)).toEqual([2, 4]);
  });
});
