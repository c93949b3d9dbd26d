import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { noopLogger } from '@traffic/core';
import { NdjsonCollector, waitUntil } from '@traffic/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpLogger, fileSink, StreamSink, withRequestLogging } from '../src/index.js';
import { get, listen, type Started } from './helpers.js';

let started: Started | undefined;
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'http-logger-'));
});
afterEach(async () => {
  await started?.close();
  started = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A writable whose writes complete only when released: a destination that cannot keep up. */
class StuckWritable extends Writable {
  readonly chunks: string[] = [];
  #pending: (() => void)[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    this.#pending.push(callback);
  }
  release(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const callback of pending) callback();
  }
}

describe('sinks', () => {
  it('file sink: lines batched into an async write stream, all there after close()', async () => {
    const path = join(dir, 'access.log');
    const logged = withRequestLogging((_req, res) => res.end('ok'), { sink: fileSink(path) });
    started = await listen(logged);
    await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${started?.url}/r${i}`)));
    await logged.logger.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((line) => JSON.parse(line).url)).size).toBe(20);
  });

  it('file sink: a line written directly with non-ASCII text is stored as UTF-8', async () => {
    const path = join(dir, 'direct.log');
    const sink = fileSink(path);
    sink.writeLine('{"note":"ünïcode ☕"}');
    sink.writeLine('{"note":"ascii"}');
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('{"note":"ünïcode ☕"}\n{"note":"ascii"}\n');
  });

  it('a writable stream (a proxy access log) and addLogger() receive the same lines', async () => {
    const collector = new NdjsonCollector();
    const extra: string[] = [];
    const logged = withRequestLogging((_req, res) => res.end(), { sink: collector }).addLogger((line) =>
      extra.push(line),
    );
    started = await listen(logged);
    await get(started.url);
    await collector.waitFor(1);
    expect(extra).toHaveLength(1);
    expect(collector.records[0]).toEqual(JSON.parse(extra[0] ?? ''));
    expect(collector.invalidLines).toEqual([]);
  });

  it('batches: many lines in one event-loop turn become one write', async () => {
    const stuck = new StuckWritable();
    const sink = new StreamSink(stuck);
    for (let i = 0; i < 100; i++) sink.writeLine(`{"n":${i}}`);
    await waitUntil(() => stuck.chunks.length === 1, 'first batch');
    expect(stuck.chunks[0]?.split('\n')).toHaveLength(101);
    stuck.release();
    await sink.flush();
    expect(sink.written).toBe(100);
  });

  it('a destination that cannot keep up: bounded buffer, dropped lines counted, requests unaffected', async () => {
    const stuck = new StuckWritable();
    const logged = withRequestLogging((_req, res) => res.end('fine'), {
      sink: new StreamSink(stuck, { maxBufferedBytes: 2048 }),
    });
    started = await listen(logged);
    for (let i = 0; i < 40; i++) {
      const answer = await get(`${started.url}/r${i}`);
      expect(answer.body).toBe('fine');
    }
    const stats = logged.logger.stats();
    expect(stats.lines).toBe(40);
    // One batch is in flight, about 2 KB wait, the rest were dropped and counted.
    expect(stats.linesDropped).toBeGreaterThan(20);
    expect(stats.linesDropped).toBeLessThan(40);
    stuck.release();
    await waitUntil(() => stuck.chunks.length === 2, 'second batch');
    stuck.release();
    await logged.logger.flush();
    const delivered = stuck.chunks.join('').trimEnd().split('\n').length;
    expect(delivered + stats.linesDropped).toBe(40);
  });

  it('a file that cannot be opened is reported with a code; its lines are counted as dropped', async () => {
    const errors: unknown[] = [];
    const logger = createHttpLogger({
      sink: fileSink(join(dir, 'no-such-dir', 'access.log')),
      logger: { ...noopLogger, error: (fields: unknown) => errors.push(fields) },
    });
    started = await listen(withRequestLogging((_req, res) => res.end('still served'), logger));
    const first = await get(started.url);
    await waitUntil(() => errors.length === 1, 'sink error report');
    const second = await get(started.url);
    expect(first.body).toBe('still served');
    expect(second.body).toBe('still served');
    expect(errors[0]).toMatchObject({ err: { code: 'TRAFFIC_ERR_HTTP_LOGGER_SINK_FAILED' } });
    expect(logger.stats().linesDropped).toBe(2);
    await logger.close();
  });

  it('throwing callbacks and a throwing LogSink never reach the request; each is counted', async () => {
    const good: string[] = [];
    const reported: unknown[] = [];
    const logged = withRequestLogging((_req, res) => res.end('ok'), {
      sinks: [
        {
          writeLine: () => {
            throw new Error('custom sink bug');
          },
        },
        (line) => good.push(line),
      ],
      counters: true,
      extraFields: () => {
        throw new Error('extra bug');
      },
      skip: () => {
        throw new Error('skip bug');
      },
      routeTemplate: () => {
        throw new Error('route bug');
      },
      logger: { ...noopLogger, error: (fields: unknown) => reported.push(fields) },
    });
    started = await listen(logged);
    expect((await get(`${started.url}/a/1`)).body).toBe('ok');
    expect((await get(`${started.url}/a/2`)).body).toBe('ok');
    expect(good).toHaveLength(2);
    expect(JSON.parse(good[0] ?? '')).toMatchObject({ url: '/a/1', status: 200 });
    const stats = logged.logger.stats();
    expect(stats.callbackErrors).toBe(6);
    expect(stats.linesDropped).toBe(2);
    expect(logged.logger.counters?.snapshot().routes['GET /a/:id']?.requests).toBe(2);
    expect(reported).toEqual([
      expect.objectContaining({ err: expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_LOGGER_CALLBACK_FAILED' }) }),
      expect.objectContaining({ err: expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_LOGGER_SINK_FAILED' }) }),
    ]);
  });

  it('a throwing function sink never reaches the request; failures are counted', async () => {
    const good: string[] = [];
    const logged = withRequestLogging((_req, res) => res.end('ok'), {
      sinks: [
        (line) => good.push(line),
        () => {
          throw new Error('sink bug');
        },
      ],
    });
    started = await listen(logged);
    expect((await get(started.url)).body).toBe('ok');
    expect((await get(started.url)).body).toBe('ok');
    expect(good).toHaveLength(2);
    expect(logged.logger.stats().linesDropped).toBe(2);
  });
});
