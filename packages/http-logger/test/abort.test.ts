import { request } from 'node:http';
import { waitUntil } from '@traffic/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { withRequestLogging } from '../src/index.js';
import { Lines, listen, type Started } from './helpers.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('aborted requests', () => {
  it('are logged once with aborted: true and the status actually sent', async () => {
    const lines = new Lines();
    started = await listen(
      withRequestLogging(
        (_req, res) => {
          res.writeHead(206, { 'content-type': 'text/plain' });
          res.write('first part');
          // never ends: the client goes away
        },
        { sink: lines.sink, counters: true },
      ),
    );
    const url = started.url;
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.on('close', () => resolve());
      req.end();
      setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
    });
    const [record] = await lines.waitFor(1);
    expect(record).toMatchObject({ aborted: true, status: 206, bytes: 10 });
    // Still exactly one line a while later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.raw).toHaveLength(1);
  });

  it('report status 0 when nothing was sent, even if the handler had set statusCode', async () => {
    const lines = new Lines();
    let reached = false;
    const logged = withRequestLogging(
      (_req, res) => {
        res.statusCode = 503; // chosen but never sent
        reached = true;
      },
      { sink: lines.sink, counters: true },
    );
    started = await listen(logged);
    const req = request(started.url, { agent: false });
    req.on('error', () => {});
    req.end();
    await waitUntil(() => reached, 'handler reached');
    req.destroy();
    const [record] = await lines.waitFor(1);
    expect(record).toMatchObject({ aborted: true, status: 0, bytes: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.raw).toHaveLength(1);
    expect(logged.logger.counters?.snapshot()).toMatchObject({ aborted: 1, status: { none: 1, '5xx': 0 } });
    expect(logged.logger.stats().inFlight).toBe(0);
  });

  it('a completed request is not reported as aborted when the client closes right after', async () => {
    const lines = new Lines();
    started = await listen(withRequestLogging((_req, res) => res.end('done'), { sink: lines.sink }));
    const url = started.url;
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
    const [record] = await lines.waitFor(1);
    expect(record).toMatchObject({ aborted: false, status: 200, bytes: 4 });
  });
});
