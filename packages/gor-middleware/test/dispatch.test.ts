import { FakeClock } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import { createMiddleware, GorMessage } from '../src/index.js';
import { decode, GET, line, memoryLogger, OK } from './support.js';

const req = (id = 'r1') => line(`1 ${id} 1 0`, GET);
const resp = (id = 'r1') => line(`2 ${id} 1 100`, OK);
const repl = (id = 'r1', status = '200 OK') => line(`3 ${id} 1 100`, `HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);

describe('channels and order', () => {
  it('runs message, then the type channel, then type#id, each in registration order', async () => {
    const gor = createMiddleware();
    const calls: string[] = [];
    const mark = (name: string) => (m: GorMessage) => {
      calls.push(`${name}:${m.type}`);
      return m;
    };
    gor.on('request', 'r1', mark('request#r1'));
    gor.on('request', mark('request-1'));
    gor.on('message', mark('message-1'));
    gor.on('request', mark('request-2'));
    gor.on('message', mark('message-2'));
    gor.on('response', mark('response'));
    gor.on('replay', mark('replay'));
    await gor.process(req());
    await gor.process(resp());
    await gor.process(repl());
    expect(calls).toEqual([
      'message-1:1',
      'message-2:1',
      'request-1:1',
      'request-2:1',
      'request#r1:1',
      'message-1:2',
      'message-2:2',
      'response:2',
      'message-1:3',
      'message-2:3',
      'replay:3',
    ]);
  });

  it('sends unknown types to message handlers only and echoes them', async () => {
    const gor = createMiddleware();
    const seen: string[] = [];
    gor.on('message', (m) => {
      seen.push(m.type);
      return m;
    });
    gor.on('request', () => {
      throw new Error('must not run');
    });
    const other = line('9 x 1 0', 'whatever');
    expect((await gor.process(other))?.toString()).toBe(other);
    expect(seen).toEqual(['9']);
  });

  it('accepts goreplay\'s "type#id" channel spelling and rejects unknown channels', () => {
    const gor = createMiddleware();
    gor.on('response#abc', (m) => m);
    expect(gor.stats.keyed.live).toBe(1);
    expect(() => gor.on('requests', (m) => m)).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL' }),
    );
    expect(() => gor.on('message', 'id', (m) => m)).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL' }),
    );
  });
});

describe('return rules', () => {
  it('forwards what a handler returns and passes it to the next handler', async () => {
    const gor = createMiddleware();
    gor.on('request', (m) => GorMessage.create('1', m.ID, gor.setHttpHeader(m.http, 'X-A', '1')));
    gor.on('request', (m) => {
      expect(gor.httpHeader(m.http, 'x-a')?.value).toBe('1');
      m.http = gor.setHttpHeader(m.http, 'X-B', '2');
      return m;
    });
    const out = decode(await gor.process(req()));
    expect(out.http).toContain('X-A: 1\r\nX-B: 2\r\n');
    expect(gor.stats.byType.request).toMatchObject({ in: 1, forwarded: 1, modified: 1 });
  });

  it('filters on null, undefined or false; the first filter is final but later handlers still observe', async () => {
    for (const value of [null, undefined, false]) {
      const gor = createMiddleware();
      const observed: string[] = [];
      gor.on('message', () => value);
      gor.on('request', (m) => {
        observed.push(m.ID);
        return m; // cannot undo the filter
      });
      gor.on('request', 'r1', (m) => {
        observed.push(`keyed:${m.ID}`);
        return m;
      });
      expect(await gor.process(req())).toBeNull();
      expect(observed).toEqual(['r1', 'keyed:r1']);
      expect(gor.stats.byType.request).toMatchObject({ in: 1, forwarded: 0, filtered: 1 });
    }
  });

  it('accepts a plain object with an http Buffer, like goreplay messages', async () => {
    const gor = createMiddleware();
    gor.on('request', (m) => ({ http: Buffer.from('GET /other HTTP/1.1\r\n\r\n'), ID: `${m.ID}-2` }));
    expect(decode(await gor.process(req()))).toEqual({ header: '1 r1-2 1 0', http: 'GET /other HTTP/1.1\r\n\r\n' });
  });

  it('awaits async handlers and keeps the order of lines', async () => {
    const gor = createMiddleware();
    gor.on('request', async (m) => {
      await new Promise((resolve) => setTimeout(resolve, m.ID === 'slow' ? 30 : 1));
      m.http = gor.setHttpHeader(m.http, 'X-Id', m.ID);
      return m;
    });
    gor.on('request', (m) => m);
    const { runOver } = await import('./support.js');
    const out = await runOver(gor, [req('slow'), req('fast'), req('slow2')]);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => decode(`${l}\n`).header.split(' ')[1]),
    ).toEqual(['slow', 'fast', 'slow2']);
  });

  it('a throwing handler is reported and its message forwarded unchanged (or dropped)', async () => {
    const { logger, records } = memoryLogger();
    const gor = createMiddleware({ logger });
    gor.on('request', (m) => {
      m.http = gor.setHttpHeader(m.http, 'X-Changed', '1');
      return m;
    });
    gor.on('request', () => {
      throw new Error('boom');
    });
    const input = req();
    expect((await gor.process(input))?.toString()).toBe(input);
    expect(records[0]).toMatchObject({ code: 'TRAFFIC_ERR_GOR_HANDLER_FAILED', id: 'r1' });
    expect(gor.stats.byType.request).toMatchObject({ errors: 1, forwarded: 1 });

    const dropping = createMiddleware({ onHandlerError: 'drop' });
    dropping.on('request', async () => {
      throw new Error('async boom');
    });
    expect(await dropping.process(input)).toBeNull();
    expect(dropping.stats.byType.request).toMatchObject({ errors: 1, forwarded: 0 });
  });

  it('a return value that is not a message is a handler error', async () => {
    const { logger, records } = memoryLogger();
    const gor = createMiddleware({ logger });
    gor.on('request', () => 42);
    const input = req();
    expect((await gor.process(input))?.toString()).toBe(input);
    expect(String(records[0]?.msg)).toContain('TRAFFIC_ERR_GOR_BAD_RETURN'.length > 0 ? 'return the message' : '');
  });
});

describe('keyed handlers', () => {
  it('fire once for their id, then are gone', async () => {
    const gor = createMiddleware();
    const fired: string[] = [];
    gor.on('request', (m) => {
      gor.on('response', m.ID, (r) => {
        fired.push(r.ID);
        return r;
      });
      return m;
    });
    await gor.process(req('a'));
    await gor.process(resp('b'));
    await gor.process(resp('a'));
    await gor.process(resp('a'));
    expect(fired).toEqual(['a']);
    expect(gor.stats.keyed.live).toBe(0);
  });

  it('chain request -> response#id -> replay#id (the status comparison)', async () => {
    const gor = createMiddleware();
    const mismatches: string[] = [];
    gor.on('request', (r) => {
      gor.on('response', r.ID, (o) => {
        gor.on('replay', r.ID, (p) => {
          if (gor.httpStatus(o.http) !== gor.httpStatus(p.http))
            mismatches.push(`${gor.httpPath(r.http)} ${gor.httpStatus(o.http)}!=${gor.httpStatus(p.http)}`);
          return p;
        });
        return o;
      });
      return r;
    });
    for (const l of [req('1'), req('2'), resp('1'), resp('2'), repl('2', '500 Internal Server Error'), repl('1')])
      await gor.process(l);
    expect(mismatches).toEqual(['/a?x=1 200!=500']);
  });

  it('expire after keyedTtlMs and are bounded by maxKeyed (oldest evicted, counted)', async () => {
    const clock = new FakeClock();
    const gor = createMiddleware({ clock, keyedTtlMs: 1000, maxKeyed: 3 });
    const fired: string[] = [];
    const cb = (m: GorMessage) => {
      fired.push(m.ID);
      return m;
    };
    gor.on('response', 'old', cb);
    clock.advance(1500);
    await gor.process(resp('old'));
    expect(fired).toEqual([]);
    // Expired handlers are swept (and counted) when the next keyed handler is registered.
    for (const id of ['k1', 'k2', 'k3', 'k4']) gor.on('response', id, cb);
    expect(gor.stats.keyed).toMatchObject({ live: 3, evicted: 1, expired: 1 });
    for (const id of ['k1', 'k2', 'k3', 'k4']) await gor.process(resp(id));
    expect(fired).toEqual(['k2', 'k3', 'k4']);
  });

  it('a keyed handler may filter and its errors are handled like any handler', async () => {
    const gor = createMiddleware();
    gor.on('replay', 'x', () => null);
    gor.on('replay', 'y', () => {
      throw new Error('keyed boom');
    });
    expect(await gor.process(repl('x'))).toBeNull();
    expect((await gor.process(repl('y')))?.toString()).toBe(repl('y'));
    expect(gor.stats.byType.replay).toMatchObject({ in: 2, filtered: 1, errors: 1, forwarded: 1 });
  });
});

describe('concurrency', () => {
  it('overlaps different ids but keeps the order of one id', async () => {
    const { runOver } = await import('./support.js');
    const gor = createMiddleware({ concurrency: 8 });
    const started: string[] = [];
    gor.on('request', async (m) => {
      started.push(m.ID);
      const delay = Number(gor.httpPathParam(m.http, 'd'));
      await new Promise((resolve) => setTimeout(resolve, delay));
      return m;
    });
    const mk = (id: string, delay: number, n: number) => line(`1 ${id} ${n} 0`, `GET /?d=${delay} HTTP/1.1\r\n\r\n`);
    const out = await runOver(gor, [mk('a', 60, 1), mk('b', 1, 2), mk('a', 1, 3), mk('c', 1, 4)]);
    const order = out
      .trim()
      .split('\n')
      .map((l) => decode(`${l}\n`).header.split(' ').slice(1, 3).join(':'));
    // b and c finish before the slow a; the second a waits for the first a.
    expect(order.indexOf('a:1')).toBeLessThan(order.indexOf('a:3'));
    expect(order.indexOf('b:2')).toBeLessThan(order.indexOf('a:1'));
    expect(started.slice(0, 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('searchResponses', () => {
  it('calls back with the original and replayed capture', async () => {
    const gor = createMiddleware();
    const got: unknown[][] = [];
    gor.on('request', (r) => {
      gor.searchResponses(r.ID, 'X-Set-Token: (\\w+)', (...args) => got.push(args));
      return r;
    });
    const tokenResp = (type: string, id: string, token: string | undefined) =>
      line(
        `${type} ${id} 1 1`,
        `HTTP/1.1 200 OK\r\n${token ? `X-Set-Token: ${token}\r\n` : ''}Content-Length: 0\r\n\r\n`,
      );
    for (const l of [req('1'), tokenResp('2', '1', 'orig'), tokenResp('3', '1', 'repl')]) await gor.process(l);
    for (const l of [req('2'), tokenResp('2', '2', undefined), tokenResp('3', '2', 'x')]) await gor.process(l);
    for (const l of [req('3'), tokenResp('2', '3', 'only'), tokenResp('3', '3', undefined)]) await gor.process(l);
    expect(got).toEqual([['orig', 'repl'], [], ['only']]);
  });
});

describe('options', () => {
  it('rejects bad options with InvalidOptionError', () => {
    expect(() => createMiddleware({ concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_OPTION_INVALID' }),
    );
    expect(() => createMiddleware({ workers: 2 })).toThrow(/workerModule/);
    expect(() => createMiddleware({ onHandlerError: 'ignore' as 'drop' })).toThrow(/forward, drop/);
    expect(() => createMiddleware({ nope: 1 } as object)).toThrow(/createMiddleware.nope/);
  });
});
