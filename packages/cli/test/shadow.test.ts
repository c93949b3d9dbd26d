import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpServer } from '@traffic/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeRule, shadowConfigFromFlags } from '../src/commands/shadow-options.js';
import { runMain } from './capture-io.js';
import { startTraffic } from './traffic-process.js';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'traffic-shadow-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('traffic shadow: flag mapping', () => {
  it('maps every flag onto createShadowProxy options; flags override the config file', () => {
    const config = shadowConfigFromFlags(
      {
        listen: '127.0.0.1:0',
        master: 'live=http://127.0.0.1:9000',
        backend: ['candidate=http://127.0.0.1:9001', 'http://127.0.0.1:9002'],
        noiseMaster: 'http://127.0.0.1:9003',
        masterTimeout: '2000',
        shadowTimeout: '300',
        maxShadowsInFlight: '7',
        maxShadowBody: '1024',
        captureBytes: '2048',
        shadowMethods: 'GET, HEAD',
        allow: ['POST,put:/api/search'],
        markerHeader: 'x-mirror',
        markerValue: 'yes',
        loopHeader: 'x-loop',
        xForwarded: false,
        shadowHost: 'backend',
        sampleRate: '12.5',
        sampleHeader: 'x-user',
        ignoreHeader: ['x-build'],
        ignorePath: ['/meta'],
        arrayKey: ['/items=id'],
        maxDifferences: '9',
        diffLog: '-',
        diffLogSampledOut: true,
        redactHeader: ['x-secret'],
        redactField: ['pin'],
        statsInterval: '0',
        maxEndpoints: '50',
        connections: '8',
        keepAliveTimeout: '1000',
        closeTimeout: '500',
        accessLog: true,
      },
      { shadowTimeoutMs: 999, backends: { old: 'http://127.0.0.1:9004' } },
    );
    expect(config.master).toEqual({ name: 'live', url: 'http://127.0.0.1:9000', options: {} });
    expect(config.backends.map((backend) => [backend.name, backend.url])).toEqual([
      ['old', 'http://127.0.0.1:9004'],
      ['candidate', 'http://127.0.0.1:9001'],
      ['backend2', 'http://127.0.0.1:9002'],
    ]);
    expect(config.noiseMaster?.url).toBe('http://127.0.0.1:9003');
    expect(config.diffLog).toBe('-');
    expect(config.options).toMatchObject({
      listen: '127.0.0.1:0',
      masterTimeoutMs: 2000,
      shadowTimeoutMs: 300,
      maxShadowsInFlight: 7,
      maxShadowBodyBytes: 1024,
      captureBytes: 2048,
      shadowMethods: ['GET', 'HEAD'],
      allowMethods: [{ path: '/api/search', methods: ['POST', 'PUT'] }],
      markerHeader: 'x-mirror',
      markerValue: 'yes',
      loopHeader: 'x-loop',
      xForwarded: false,
      shadowHost: 'backend',
      sampleRate: 12.5,
      sampleHeader: 'x-user',
      ignorePaths: ['/meta'],
      arrayKeys: { '/items': 'id' },
      maxDifferences: 9,
      diffLogSampledOut: true,
      statsIntervalMs: 0,
      maxEndpoints: 50,
      connectionsPerBackend: 8,
      keepAliveTimeoutMs: 1000,
      closeTimeoutMs: 500,
      accessLog: true,
    });
    expect(config.options.ignoreHeaders).toContain('date');
    expect(config.options.ignoreHeaders).toContain('x-build');
    expect(config.options.redactHeaders).toContain('authorization');
    expect(config.options.redactHeaders).toContain('x-secret');
    expect(config.options.redactFields).toContain('pin');
  });

  it('rejects malformed values with a usage error', () => {
    expect(() => shadowConfigFromFlags({})).toThrow(/--master is required/);
    expect(() => routeRule('POST/api')).toThrow(/METHODS:\/path/);
    expect(() => shadowConfigFromFlags({ master: 'http://x', arrayKey: ['/items'] })).toThrow(/POINTER=FIELD/);
  });

  it('a bad numeric flag exits 2 with the option named', async () => {
    const { code, err: text } = await runMain([
      'shadow',
      '--master',
      'http://127.0.0.1:9',
      '--shadow-timeout',
      'soon',
      '--listen',
      '127.0.0.1:0',
    ]);
    expect(code).toBe(2);
    expect(text).toMatch(/invalid option shadowTimeoutMs: "soon".*TRAFFIC_ERR_OPTION_INVALID/);
  });
});

describe('traffic shadow: the built binary', () => {
  it('proxies, writes the diff log, and exits 0 on SIGTERM after finishing', async () => {
    const master = await startHttpServer({ body: '{"v":1}', headers: { 'content-type': 'application/json' } });
    const shadow = await startHttpServer({ body: '{"v":2}', headers: { 'content-type': 'application/json' } });
    const diffLog = join(dir, 'diffs.ndjson');
    const config = join(dir, 'shadow.json');
    writeFileSync(config, JSON.stringify({ shadowTimeoutMs: 2000, diffLog }));
    const traffic = startTraffic([
      'shadow',
      '--listen',
      '127.0.0.1:0',
      '--master',
      master.url,
      '--backend',
      `candidate=${shadow.url}`,
      '--config',
      config,
    ]);
    try {
      const url = (await traffic.waitForStdout(/listening on (http:\/\/\S+)/))[1] as string;
      const res = await get(url, '/thing');
      expect(res).toEqual({ status: 200, body: '{"v":1}' });
      // Wait for the shadow comparison to be done before the signal.
      const until = Date.now() + 5000;
      while (shadow.requests.length === 0 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 10));
      const code = await traffic.stop('SIGTERM');
      expect(code).toBe(0);
      expect(traffic.stderr()).toMatch(/shadow stats: requests=1 .*diff=1/);
      const records = readFileSync(diffLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ outcome: 'diff', differences: [{ path: '/v', master: 1, shadow: 2 }] });
    } finally {
      if (traffic.child.exitCode === null) traffic.child.kill('SIGKILL');
      await Promise.all([master.close(), shadow.close()]);
    }
  });
});
