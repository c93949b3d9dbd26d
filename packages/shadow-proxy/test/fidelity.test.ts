import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { outcomesAtLeast, send, setup } from './helpers.js';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the master answer reaches the client unchanged', () => {
  it('binary bodies, byte for byte', async () => {
    const body = randomBytes(300_000);
    body[0] = 0;
    const headers = { 'content-type': 'application/octet-stream' };
    const s = await setup({ body, headers }, { body, headers });
    try {
      const res = await send(s.url, { path: '/blob' });
      expect(res.status).toBe(200);
      expect(sha(res.body)).toBe(sha(body));
      expect(res.headers['content-length']).toBe(String(body.length));
      await outcomesAtLeast(s.proxy, 1);
      expect(s.proxy.stats().outcomes.equal).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('chunked bodies keep their bytes and stay chunked', async () => {
    const chunks = ['alpha-', Buffer.from([0, 1, 2, 255]), '-omega'];
    const s = await setup({ chunks, chunkIntervalMs: 5, headers: { 'content-type': 'text/plain' } }, { chunks });
    try {
      const res = await send(s.url);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.body).toEqual(Buffer.concat(chunks.map((chunk) => Buffer.from(chunk))));
    } finally {
      await s.close();
    }
  });

  it('gzip bodies are passed through still compressed', async () => {
    const json = JSON.stringify({ hello: 'world', n: [1, 2, 3] });
    const headers = { 'content-type': 'application/json' };
    const s = await setup({ body: json, gzip: true, headers }, { body: json, headers });
    try {
      const res = await send(s.url, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(res.body).toString()).toBe(json);
      // The shadow answered identity with equal JSON: that is equal, not a diff.
      await outcomesAtLeast(s.proxy, 1);
      expect(s.proxy.stats().outcomes).toMatchObject({ equal: 1, diff: 0 });
    } finally {
      await s.close();
    }
  });

  it('two Set-Cookie headers with commas in Expires stay two headers, in order and case', async () => {
    const cookies = [
      'a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/',
      'b=2; Expires=Thu, 22 Oct 2026 07:28:00 GMT; HttpOnly',
    ];
    const s = await setup({ headers: { 'Set-Cookie': cookies, 'X-Custom-Case': 'Yes' }, body: 'ok' }, { body: 'ok' });
    try {
      const res = await send(s.url);
      const setCookies: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (res.rawHeaders[i] === 'Set-Cookie') setCookies.push(res.rawHeaders[i + 1] as string);
      }
      expect(setCookies).toEqual(cookies);
      expect(res.rawHeaders).toContain('X-Custom-Case');
    } finally {
      await s.close();
    }
  });

  it('keeps the path and query byte-identical: //x and %2F', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' });
    try {
      const targets = ['//x', '/a%2Fb/c?q=%2F&x=a+b', '/p/../q//r?%zz', '/%E2%82%AC?a=1&a=2'];
      for (const path of targets) await send(s.url, { path });
      await outcomesAtLeast(s.proxy, targets.length);
      expect(s.master.requests.map((request) => request.url)).toEqual(targets);
      expect(s.shadow.requests.map((request) => request.url)).toEqual(targets);
    } finally {
      await s.close();
    }
  });
});

describe('edge requests', () => {
  it('HEAD keeps the master Content-Length without a body; absolute-form targets go out as paths', async () => {
    const s = await setup({ body: 'twelve bytes' }, { body: 'twelve bytes' });
    try {
      const head = await send(s.url, { method: 'HEAD', path: '/h' });
      expect(head.headers['content-length']).toBe('12');
      expect(head.body.length).toBe(0);
      await send(s.url, { path: 'http://example.test/abs?q=1' });
      await outcomesAtLeast(s.proxy, 2);
      expect(s.master.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
        'HEAD /h',
        'GET /abs?q=1',
      ]);
    } finally {
      await s.close();
    }
  });

  it('Expect: 100-continue uploads reach the master (node answers the 100 itself)', async () => {
    const s = await setup({ body: 'stored' }, { body: 'stored' }, { allowMethods: [{ path: '/', methods: ['PUT'] }] });
    try {
      const res = await send(s.url, {
        method: 'PUT',
        path: '/file',
        headers: { expect: '100-continue', 'content-type': 'text/plain', 'content-length': '5' },
        body: 'hello',
      });
      expect(res.status).toBe(200);
      await outcomesAtLeast(s.proxy, 1);
      expect(s.master.requests[0]?.body.toString()).toBe('hello');
      expect(s.master.requests[0]?.headers.expect).toBeUndefined();
      expect(s.shadow.requests[0]?.body.toString()).toBe('hello');
      expect(s.proxy.stats().outcomes.equal).toBe(1);
    } finally {
      await s.close();
    }
  });
});
