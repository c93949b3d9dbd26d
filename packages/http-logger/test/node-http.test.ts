import { FakeClock } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpLogger, type LoggedRequest, withRequestLogging } from '../src/index.js';
import { get, Lines, listen, rawRequest, type Started } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('withRequestLogging on node:http', () => {
  it('writes one line with the go-http-middleware fields plus method, bytes, user_agent, aborted', async () => {
    const lines = new Lines();
    let seenId: string | undefined;
    started = await listen(
      withRequestLogging(
        (req, res) => {
          seenId = (req as LoggedRequest).id;
          res.setHeader('content-type', 'text/plain');
          res.end('hello world');
        },
        { sink: lines.sink },
      ),
    );
    const answer = await get(`${started.url}/hello?x=1`, { 'user-agent': 'test-agent/1.0' });
    const [record] = await lines.waitFor(1);
    expect(answer.body).toBe('hello world');
    expect(answer.headers['x-request-id']).toMatch(UUID);
    expect(seenId).toBe(answer.headers['x-request-id']);
    expect(record).toMatchObject({
      request_id: seenId,
      method: 'GET',
      url: '/hello?x=1',
      status: 200,
      bytes: 11,
      ip_address: '127.0.0.1',
      user_agent: 'test-agent/1.0',
      aborted: false,
    });
    expect(Object.keys(record ?? {})).toEqual([
      'time',
      'request_id',
      'method',
      'url',
      'status',
      'duration',
      'duration_ms',
      'bytes',
      'ip_address',
      'user_agent',
      'aborted',
    ]);
    // RFC 3339 time, Go-style duration text.
    expect(record?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(record?.duration).toMatch(/^\d+(\.\d+)?(ns|µs|ms|s)$/);
    expect(lines.raw).toHaveLength(1);
  });

  it('measures sub-millisecond durations as non-zero floats', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end('x'), { sink: lines.sink }));
    for (let i = 0; i < 5; i++) await get(started.url);
    const records = await lines.waitFor(5);
    for (const record of records) {
      expect(typeof record.duration_ms).toBe('number');
      expect(record.duration_ms as number).toBeGreaterThan(0);
      expect(record.duration).not.toBe('0s');
    }
    // At least one of five immediate answers takes under a millisecond even on a busy machine,
    // and it is reported with its fraction (not rounded to 0 or 1).
    const fastest = Math.min(...records.map((record) => record.duration_ms as number));
    expect(fastest).toBeLessThan(1);
    expect(fastest).toBeGreaterThan(0);
  });

  it('computes duration and duration_ms from the injected clock', async () => {
    const clock = new FakeClock();
    const lines = new Lines();
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          clock.advance(0.394823);
          res.end();
        },
        { sink: lines.sink, clock },
      ),
    );
    await get(started.url);
    const [record] = await lines.waitFor(1);
    expect(record?.duration).toBe('394.823µs');
    expect(record?.duration_ms).toBeCloseTo(0.394823, 6);
    expect(record?.time).toBe('2026-01-01T00:00:00.000Z');
    // The time text is cached per second: crossing a second boundary must show the new second.
    clock.advance(1001.25);
    await get(started.url);
    const records = await lines.waitFor(2);
    expect(records[1]?.time).toBe('2026-01-01T00:00:01.001Z');
    expect(records[1]?.duration).toBe('394.823µs');
  });

  it('keeps a valid incoming X-Request-Id and echoes it', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end(), { sink: lines.sink }));
    const answer = await get(started.url, { 'x-request-id': 'abc-123_DEF.4:5' });
    const [record] = await lines.waitFor(1);
    expect(answer.headers['x-request-id']).toBe('abc-123_DEF.4:5');
    expect(record?.request_id).toBe('abc-123_DEF.4:5');
  });

  it('mints a new id when trustIncomingId is false', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end(), { sink: lines.sink, trustIncomingId: false }));
    const answer = await get(started.url, { 'x-request-id': 'client-chosen' });
    const [record] = await lines.waitFor(1);
    expect(answer.headers['x-request-id']).toMatch(UUID);
    expect(record?.request_id).toBe(answer.headers['x-request-id']);
  });

  it('replaces a 10 KB incoming id and never logs it', async () => {
    const lines = new Lines();
    const logged = withRequestLogging((_req, res) => res.end(), { sink: lines.sink });
    started = await listen(logged);
    const huge = 'a'.repeat(10 * 1024);
    const answer = await get(started.url, { 'x-request-id': huge });
    await lines.waitFor(1);
    expect(answer.headers['x-request-id']).toMatch(UUID);
    expect(lines.raw[0]).not.toContain(
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    );
    expect(logged.logger.stats().idsReplaced).toBe(1);
  });

  it('replaces an id carrying CR/LF (set by an earlier layer) and never logs it raw', async () => {
    const lines = new Lines();
    const logged = withRequestLogging((req, res) => res.end((req as LoggedRequest).id), { sink: lines.sink });
    // llhttp refuses CR/LF inside a header value on the wire, so an earlier layer (a decoder, a
    // proxy) is what could hand us one: emulate that layer in front of the logger.
    started = await listen((req, res) => {
      req.headers['x-request-id'] = 'evil\r\n{"status":200,"forged":true}';
      logged(req, res);
    });
    const answer = await get(started.url);
    await lines.waitFor(1);
    expect(answer.body).toMatch(UUID);
    expect(lines.raw[0]).not.toContain('forged');
    expect(lines.raw[0]).not.toContain('evil');
    expect(lines.raw).toHaveLength(1);
    expect(JSON.parse(lines.raw[0] ?? '')).toMatchObject({ request_id: answer.body });
  });

  it('replaces an id with characters outside the safe set sent over the wire (quotes, spaces)', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end(), { sink: lines.sink }));
    const reply = await rawRequest(
      started.port,
      'GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: a" b\\u0000\tc\r\nConnection: close\r\n\r\n',
    );
    const [record] = await lines.waitFor(1);
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(record?.request_id).toMatch(UUID);
    expect(reply).toContain(`X-Request-Id: ${record?.request_id as string}`);
  });

  it('never logs cookies or Authorization by default', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end('ok'), { sink: lines.sink }));
    await get(`${started.url}/private`, {
      cookie: 'session=s3cr3t-cookie-value',
      authorization: 'Bearer s3cr3t-bearer-token',
    });
    await lines.waitFor(1);
    expect(lines.raw[0]).not.toContain('s3cr3t');
    expect(lines.raw[0]).not.toMatch(/cookie|authorization/i);
  });

  it('redacts secret query parameters and keeps the rest byte-identical', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end(), { sink: lines.sink }));
    await get(`${started.url}/cb?code=1&access_token=abc&Password=p%20w&keep=a%2Fb&API_KEY=k`);
    const [record] = await lines.waitFor(1);
    expect(record?.url).toBe('/cb?code=1&access_token=[REDACTED]&Password=[REDACTED]&keep=a%2Fb&API_KEY=[REDACTED]');
  });

  it('keeps a log-injection attempt (quotes, backslashes, encoded newlines) on one valid JSON line', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end(), { sink: lines.sink }));
    // Raw bytes so nothing normalises the target; llhttp accepts these and hands them to us as is.
    const target = '/x?q=%0a%0d{"status":500}\\n&a="b"\\c';
    const agent = 'ua"}\\n{"forged":true,"x":"';
    const reply = await rawRequest(
      started.port,
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUser-Agent: ${agent}\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    await lines.waitFor(1);
    expect(lines.raw).toHaveLength(1);
    const line = lines.raw[0] ?? '';
    expect(line).not.toMatch(/[\r\n]/);
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record.url).toBe(target);
    expect(record.user_agent).toBe(agent);
    expect(record.status).toBe(200);
    expect(record).not.toHaveProperty('forged');
  });

  it('writes ASCII-only lines: non-ASCII values are \\u-escaped and parse back unchanged', async () => {
    const lines = new Lines();
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          res.end();
        },
        { sink: lines.sink, extraFields: { café: 'naïve ☕' } },
      ),
    );
    // node:http hands header bytes >= 0x80 over as latin1 characters.
    const reply = await rawRequest(
      started.port,
      Buffer.from(
        'GET /caf%C3%A9 HTTP/1.1\r\nHost: x\r\nUser-Agent: agent-\xe9\r\nConnection: close\r\n\r\n',
        'latin1',
      ),
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    const [record] = await lines.waitFor(1);
    expect(lines.raw[0]).toMatch(/^[\x20-\x7e]+$/);
    expect(record?.user_agent).toBe('agent-\xe9');
    expect(record?.café).toBe('naïve ☕');
    expect(String(record?.duration)).toMatch(/(ns|µs|ms|s)$/);
  });

  it('selects fields, adds static and per-request extra fields', async () => {
    const lines = new Lines();
    started = await listen(
      withRequestLogging((_req, res) => res.end(), {
        sink: lines.sink,
        fields: ['request_id', 'status'],
        extraFields: { service: 'api', version: 3 },
      }).addLogger({ writeLine: () => {} }),
    );
    await get(started.url);
    const [record] = await lines.waitFor(1);
    expect(Object.keys(record ?? {})).toEqual(['request_id', 'status', 'service', 'version']);
    await started.close();

    const lines2 = new Lines();
    started = await listen(
      withRequestLogging((_req, res) => res.end(), {
        sink: lines2.sink,
        fields: ['status'],
        extraFields: (req) => ({ path: req.url, status: 999, weird: 'a"\n' }),
      }),
    );
    await get(`${started.url}/p`);
    const [record2] = await lines2.waitFor(1);
    // A per-request field cannot overwrite a standard one.
    expect(record2).toEqual({ status: 200, path: '/p', weird: 'a"\n' });
  });

  it('propagates a valid incoming traceparent and mints one otherwise', async () => {
    const lines = new Lines();
    const seen: (string | undefined)[] = [];
    started = await listen(
      withRequestLogging(
        (req, res) => {
          seen.push(req.headers.traceparent as string | undefined);
          res.end();
        },
        { sink: lines.sink, traceparent: true, traceparentOnResponse: true },
      ),
    );
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const a = await get(started.url, { traceparent: incoming });
    const b = await get(started.url, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    const records = await lines.waitFor(2);
    expect(seen[0]).toBe(incoming);
    expect(a.headers.traceparent).toBe(incoming);
    expect(records[0]?.traceparent).toBe(incoming);
    expect(seen[1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(seen[1]).not.toContain('00000000000000000000000000000000');
    expect(b.headers.traceparent).toBe(seen[1]);
  });

  it('counts response body bytes actually written (chunked, Buffer and multi-byte strings); HEAD has none', async () => {
    const lines = new Lines();
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          res.write('héllo'); // 6 bytes
          res.write(Buffer.alloc(10));
          res.end('€'); // 3 bytes
        },
        { sink: lines.sink },
      ),
    );
    const answer = await get(started.url);
    await get(started.url, {}, 'HEAD');
    const records = await lines.waitFor(2);
    expect(Buffer.byteLength(answer.body)).toBe(19);
    expect(records[0]?.bytes).toBe(19);
    expect(records[1]?.bytes).toBe(0);
  });

  it('skip() leaves requests out of the log; trustProxy takes the client address from X-Forwarded-For', async () => {
    const lines = new Lines();
    started = await listen(
      withRequestLogging((_req, res) => res.end(), {
        sink: lines.sink,
        skip: (req) => req.url === '/healthz',
        trustProxy: true,
      }),
    );
    await get(`${started.url}/healthz`);
    await get(`${started.url}/real`, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' });
    await get(`${started.url}/forged`, { 'x-forwarded-for': 'not-an-ip"}' });
    const records = await lines.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.raw).toHaveLength(2);
    expect(records[0]).toMatchObject({ url: '/real', ip_address: '203.0.113.7' });
    expect(records[1]).toMatchObject({ url: '/forged', ip_address: '127.0.0.1' });
  });

  it('logs a request once even when the logger is installed twice', async () => {
    const lines = new Lines();
    const logger = createHttpLogger({ sink: lines.sink });
    started = await listen(
      withRequestLogging(
        withRequestLogging((_req, res) => res.end(), logger),
        logger,
      ),
    );
    await get(started.url);
    await lines.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.raw).toHaveLength(1);
  });
});
