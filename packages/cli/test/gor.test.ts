import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraffic } from './traffic-process.js';

// These tests spawn the built binary (packages/cli/dist/bin.js) with real stdin/stdout pipes.
const SEP = '\n🐵🙈🙉\n';

function hexLine(header: string, http: string): string {
  return `${Buffer.from(`${header}\n${http}`, 'latin1').toString('hex')}\n`;
}
function decodeLines(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Buffer.from(l, 'hex').toString('latin1'));
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function traffic(args: string[], input = '', cwd?: string): Promise<Result> {
  return runTraffic(['--log-format', 'json', ...args], {
    input,
    stdoutEncoding: 'latin1',
    ...(cwd === undefined ? {} : { cwd }),
  });
}

let dir = '';
const GET = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'traffic-gor-cli-'));
  await writeFile(
    join(dir, 'header.mjs'),
    "export default (gor) => { gor.on('request', (req) => { req.http = gor.setHttpHeader(req.http, 'X-Mw', 'mjs'); return req; }); };\n",
  );
  await writeFile(
    join(dir, 'header.ts'),
    "import type { Gor } from '@traffic/gor-middleware';\nconst tag: string = 'ts';\nexport default (gor: Gor): void => {\n  gor.on('request', (req) => {\n    req.http = gor.setHttpHeader(req.http, 'X-Mw', tag);\n    return req;\n  });\n};\n",
  );
  await writeFile(
    join(dir, 'throws.mjs'),
    "export default (gor) => { gor.on('request', () => { throw new Error('boom'); }); };\n",
  );
  await writeFile(join(dir, 'no-default.mjs'), 'export const x = 1;\n');
  await writeFile(
    join(dir, 'filter.mjs'),
    "export default (gor) => { gor.on('request', (req) => (gor.httpPath(req.http) === '/drop' ? null : req)); };\n",
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('traffic gor <module>', () => {
  it('runs an .mjs module on stdin/stdout, reports a malformed line and exits 0 at EOF', async () => {
    const input = `${hexLine('1 a 1 0', GET)}zz-not-hex\n${hexLine('2 a 1 5', OK)}${hexLine('1 b 1 0', GET)}`;
    const result = await traffic(['gor', join(dir, 'header.mjs')], input);
    expect(result.code).toBe(0);
    expect(decodeLines(result.stdout)).toEqual([
      `1 a 1 0\n${GET.replace('\r\n\r\n', '\r\nX-Mw: mjs\r\n\r\n')}`,
      `2 a 1 5\n${OK}`,
      `1 b 1 0\n${GET.replace('\r\n\r\n', '\r\nX-Mw: mjs\r\n\r\n')}`,
    ]);
    const errors = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(errors.find((e) => e.code === 'TRAFFIC_ERR_GOR_MALFORMED_LINE')).toMatchObject({ line: 2 });
  });

  it('loads a TypeScript module through tsx', async () => {
    const result = await traffic(['gor', join(dir, 'header.ts')], hexLine('1 a 1 0', GET));
    expect(result.code).toBe(0);
    expect(decodeLines(result.stdout)).toEqual([`1 a 1 0\n${GET.replace('\r\n\r\n', '\r\nX-Mw: ts\r\n\r\n')}`]);
  });

  it('runs the module on worker threads with --workers', async () => {
    let input = '';
    for (let i = 0; i < 10; i++) input += hexLine(`1 w${i} 1 0`, GET);
    const result = await traffic(['gor', join(dir, 'header.mjs'), '--workers', '2'], input);
    expect(result.code).toBe(0);
    const out = decodeLines(result.stdout);
    expect(out).toHaveLength(10);
    for (const message of out) expect(message).toContain('X-Mw: mjs');
  });

  it('takes options from --config and lets flags override them', async () => {
    const config = join(dir, 'gor.json');
    await writeFile(config, JSON.stringify({ onHandlerError: 'drop', keyedTtlMs: 5000 }));
    const input = hexLine('1 a 1 0', GET);
    const dropped = await traffic(['gor', join(dir, 'throws.mjs'), '--config', config], input);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toBe('');
    expect(dropped.stderr).toContain('TRAFFIC_ERR_GOR_HANDLER_FAILED');
    const forwarded = await traffic(
      ['gor', join(dir, 'throws.mjs'), '--config', config, '--on-handler-error', 'forward'],
      input,
    );
    expect(forwarded.stdout).toBe(input);
  });

  it('fails clearly on a module without a default export, a missing module or a bad option', async () => {
    const noDefault = await traffic(['gor', join(dir, 'no-default.mjs')]);
    expect(noDefault.code).toBe(1);
    expect(noDefault.stderr).toContain('TRAFFIC_ERR_GOR_MODULE_INVALID');
    const missing = await traffic(['gor', join(dir, 'missing.mjs')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
    const bad = await traffic(['gor', join(dir, 'header.mjs'), '--concurrency', 'many']);
    expect(bad.code).toBe(2);
    const none = await traffic(['gor']);
    expect(none.code).toBe(2);
  });
});

describe('traffic gor replay', () => {
  const records = [
    `1 r1 100 0\n${GET}`,
    `2 r1 100 5\n${OK}`,
    `1 r2 101 0\nGET /drop HTTP/1.1\r\n\r\n`,
    `1 r3 102 0\n${GET}`,
  ];
  const file = () => records.map((r) => r + SEP).join('');

  it('writes a .gor file and prints the per-type summary', async () => {
    const input = join(dir, 'in.gor.gz');
    const output = join(dir, 'out.gor');
    await writeFile(input, gzipSync(file()));
    const result = await traffic(['gor', 'replay', input, join(dir, 'filter.mjs'), '--output', output]);
    expect(result.code).toBe(0);
    expect(await readFile(output, 'utf8')).toBe([records[0], records[1], records[3]].map((r) => r + SEP).join(''));
    expect(result.stdout).toMatch(/replayed 4 messages .* messages\/s\)/);
    expect(result.stdout).toMatch(/request\s+3\s+2\s+1\s+0\s+0/);
    expect(result.stdout).toMatch(/response\s+1\s+1\s+0\s+0\s+0/);
  });

  it('writes hex lines on stdout (summary on stderr) and gzip output when asked', async () => {
    const input = join(dir, 'in.gor');
    await writeFile(input, file());
    const hex = await traffic(['gor', 'replay', input]);
    expect(hex.code).toBe(0);
    expect(decodeLines(hex.stdout)).toEqual(records);
    expect(hex.stderr).toContain('replayed 4 messages');
    const gz = join(dir, 'out.gor.gz');
    const zipped = await traffic(['gor', 'replay', input, join(dir, 'header.mjs'), '--output', gz]);
    expect(zipped.code).toBe(0);
    const text = gunzipSync(await readFile(gz)).toString('utf8');
    expect(text.split(SEP).filter((r) => r.includes('X-Mw: mjs'))).toHaveLength(3);
  });

  it('reports a missing file with a code', async () => {
    const result = await traffic(['gor', 'replay', join(dir, 'nope.gor')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TRAFFIC_ERR_GOR_FILE_UNREADABLE');
  });
});
