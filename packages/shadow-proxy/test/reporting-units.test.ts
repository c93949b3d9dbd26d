import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DiffRecord } from '../src/index.js';
import { createRedactor, DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS, DiffLog, endpointKey } from '../src/index.js';
import { ShadowStats } from '../src/stats.js';
import { outcomesAtLeast, send, setup } from './helpers.js';

const record: DiffRecord = {
  time: '2026-01-01T00:00:00.000Z',
  id: 1,
  backend: 'candidate',
  outcome: 'diff',
  request: { method: 'GET', url: '/x', headers: [] },
};

describe('reporting bounds', () => {
  it('a diff log sink that never drains drops records past the pending cap and counts them', () => {
    const stuck = new Writable({ highWaterMark: 1, write: () => {} });
    const log = new DiffLog(stuck, 10, createRedactor(new Set(DEFAULT_REDACT_HEADERS), DEFAULT_REDACT_FIELDS));
    for (let i = 0; i < 5; i++) log.write(record);
    expect(log.written).toBe(1);
    expect(log.dropped).toBe(4);
  });

  it('endpoints fold ids and stay bounded: past maxEndpoints the rest share "(other)"', () => {
    expect(endpointKey('GET', '/users/42/orders/9f1c2d3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f?x=1')).toBe(
      'GET /users/:id/orders/:id',
    );
    const stats = new ShadowStats(2, 0);
    for (const path of ['/a', '/b', '/c', '/d', '/a']) stats.compared('GET', path, path === '/d');
    const endpoints = stats.snapshot(1, 0, { written: 0, dropped: 0 }).endpoints;
    expect(endpoints.map((entry) => [entry.endpoint, entry.compared, entry.diffs])).toEqual([
      ['(other)', 2, 1],
      ['GET /a', 2, 0],
      ['GET /b', 1, 0],
    ]);
  });

  it('statsIntervalMs emits periodic stats, then one final snapshot on close', async () => {
    const s = await setup({ body: 'ok' }, { body: 'ok' }, { statsIntervalMs: 30 });
    const seen: boolean[] = [];
    s.proxy.events.on('stats', (_snapshot, final) => seen.push(final));
    try {
      await send(s.url);
      await outcomesAtLeast(s.proxy, 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((final) => !final)).toBe(true);
    } finally {
      await s.close();
    }
    expect(seen.at(-1)).toBe(true);
  });
});
