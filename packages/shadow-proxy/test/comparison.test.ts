import { NdjsonCollector } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import type { DiffRecord, ObservedResponse } from '../src/index.js';
import { cancelNoise, createComparator, DEFAULT_IGNORE_HEADERS } from '../src/index.js';
import { outcomesAtLeast, send, setup } from './helpers.js';

const json = { 'content-type': 'application/json' };

describe('comparison through the proxy', () => {
  it('one changed JSON field gives exactly one diff at its JSON pointer', async () => {
    const v1 = { user: { id: 7, name: 'Ada', roles: ['admin', 'dev'] }, total: 3 };
    const v2 = { user: { id: 7, name: 'Ada L.', roles: ['admin', 'dev'] }, total: 3 };
    const log = new NdjsonCollector();
    const s = await setup(
      { body: JSON.stringify(v1), headers: json },
      { body: JSON.stringify(v2), headers: json },
      { diffLog: log },
    );
    const events: DiffRecord[] = [];
    s.proxy.events.on('diff', (record) => events.push(record));
    try {
      const res = await send(s.url, { path: '/users/7' });
      expect(JSON.parse(res.body.toString())).toEqual(v1);
      await outcomesAtLeast(s.proxy, 1);
      expect(events).toHaveLength(1);
      expect(events[0]?.outcome).toBe('diff');
      expect(events[0]?.differences).toEqual([{ kind: 'body', path: '/user/name', master: 'Ada', shadow: 'Ada L.' }]);
      const [record] = await log.waitFor(1);
      expect(record).toMatchObject({
        outcome: 'diff',
        backend: 'candidate',
        request: { method: 'GET', url: '/users/7' },
      });
      expect(s.proxy.stats().endpoints).toEqual([{ endpoint: 'GET /users/:id', compared: 1, diffs: 1, diffRate: 1 }]);
    } finally {
      await s.close();
    }
  });

  it('gzip on the master and identity on the shadow with equal JSON is equal', async () => {
    const body = JSON.stringify({ a: 1, list: [1, 2, 3] });
    const s = await setup({ body, gzip: true, headers: json }, { body, headers: json });
    try {
      await send(s.url, { headers: { 'accept-encoding': 'gzip' } });
      await outcomesAtLeast(s.proxy, 1);
      expect(s.proxy.stats().outcomes).toMatchObject({ equal: 1, diff: 0 });
    } finally {
      await s.close();
    }
  });

  it('ignorePaths and arrayKeys remove expected differences', async () => {
    const master = {
      meta: { requestId: 'a1' },
      items: [
        { id: 1, n: 'x' },
        { id: 2, n: 'y' },
      ],
    };
    const shadow = {
      meta: { requestId: 'b2' },
      items: [
        { id: 2, n: 'y' },
        { id: 1, n: 'x' },
      ],
    };
    const s = await setup(
      { body: JSON.stringify(master), headers: json },
      { body: JSON.stringify(shadow), headers: json },
      { ignorePaths: ['/meta/requestId'], arrayKeys: { '/items': 'id' } },
    );
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      expect(s.proxy.stats().outcomes.equal).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('noise cancellation: fields that differ between two masters are not reported', async () => {
    let counter = 0;
    const body = () => JSON.stringify({ now: ++counter, price: 10 });
    const s = await setup(
      () => ({ body: body(), headers: json }),
      () => ({ body: JSON.stringify({ now: -1, price: 12 }), headers: json }),
    );
    const noise = await (await import('@traffic/core/testing')).startHttpServer(() => ({
      body: body(),
      headers: json,
    }));
    s.proxy.addNoiseMaster('live-2', noise.url);
    const events: DiffRecord[] = [];
    s.proxy.events.on('diff', (record) => events.push(record));
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      expect(events[0]?.differences).toEqual([{ kind: 'body', path: '/price', master: 10, shadow: 12 }]);
      expect(events[0]?.noiseCancelled).toBe(1);
      expect(noise.requests[0]?.headers['x-shadow-request']).toBe('1');
    } finally {
      await s.close();
      await noise.close();
    }
  });
});

function observed(partial: Partial<ObservedResponse> & { body: Buffer }): ObservedResponse {
  return {
    status: 200,
    rawHeaders: [],
    bytes: partial.body.length,
    truncated: false,
    sha256: 'x',
    contentType: undefined,
    contentEncoding: undefined,
    ...partial,
  };
}

describe('the comparator', () => {
  const compare = createComparator({
    ignoreHeaders: new Set(DEFAULT_IGNORE_HEADERS),
    ignorePaths: [],
    arrayKeys: {},
    maxDifferences: 50,
    decodeLimit: 1 << 20,
  });

  it('compares headers case-insensitively, joins list headers, keeps Set-Cookie lines apart', () => {
    const body = Buffer.from('');
    const a = observed({
      body,
      rawHeaders: ['Vary', 'a', 'Vary', 'b', 'Set-Cookie', 'x=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'Date', 'x'],
    });
    const b = observed({
      body,
      rawHeaders: ['vary', 'a, b', 'set-cookie', 'x=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'date', 'y'],
    });
    expect(compare(a, b).differences).toEqual([]);
    const c = observed({ body, rawHeaders: ['Set-Cookie', 'x=1', 'Set-Cookie', 'y=2'] });
    const d = observed({ body, rawHeaders: ['Set-Cookie', 'x=1, y=2'] });
    expect(compare(c, d).differences.map((item) => item.path)).toEqual(['set-cookie']);
  });

  it('reports status, text lines and binary hashes', () => {
    const text = compare(
      observed({ status: 200, body: Buffer.from('a\nb\nc'), contentType: 'text/plain' }),
      observed({ status: 201, body: Buffer.from('a\nB\nc'), contentType: 'text/plain' }),
    );
    expect(text.differences).toEqual([
      { kind: 'status', path: 'status', master: 200, shadow: 201 },
      { kind: 'body', path: 'line 2', master: 'b', shadow: 'B' },
    ]);
    const binary = compare(
      observed({ body: Buffer.from([0, 1, 2, 255]), sha256: 'aa', contentType: 'image/png' }),
      observed({ body: Buffer.from([0, 1, 3, 255]), sha256: 'bb', contentType: 'image/png' }),
    );
    expect(binary).toMatchObject({
      bodyKind: 'binary',
      differences: [{ path: '(sha256)', master: 'aa', shadow: 'bb' }],
    });
  });

  it('over the capture cap compares length and hash only', () => {
    const result = compare(
      observed({ body: Buffer.from('{"a":'), bytes: 5000, truncated: true, sha256: 'h1' }),
      observed({ body: Buffer.from('{"a":'), bytes: 5001, truncated: true, sha256: 'h2' }),
    );
    expect(result.bodyKind).toBe('hash');
    expect(result.differences.map((item) => item.path)).toEqual(['(length)', '(sha256)']);
  });

  it('reports array insertions and removals at their index', () => {
    const result = compare(
      observed({ body: Buffer.from('{"list":[1,2,3]}'), contentType: 'application/json' }),
      observed({ body: Buffer.from('{"list":[1,3]}'), contentType: 'application/json' }),
    );
    expect(result.differences).toEqual([{ kind: 'body', path: '/list/1', master: 2, shadow: undefined }]);
  });

  it('cancelNoise drops differences under a noisy path', () => {
    const kept = cancelNoise(
      [
        { kind: 'body', path: '/meta/at/0', master: 1, shadow: 2 },
        { kind: 'body', path: '/price', master: 1, shadow: 2 },
      ],
      [{ kind: 'body', path: '/meta', master: {}, shadow: {} }],
    );
    expect(kept).toEqual({ kept: [{ kind: 'body', path: '/price', master: 1, shadow: 2 }], cancelled: 1 });
  });
});
