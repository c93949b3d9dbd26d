import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, TrafficError } from '@traffic/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonConfig } from '../src/config-file.js';
import { UsageError } from '../src/errors.js';
import { buildProgram, main, reportError } from '../src/main.js';
import { captureIo } from './capture-io.js';

const VERSION = (await import('../package.json', { with: { type: 'json' } })).default.version;

/** Run the real program with one extra throwaway subcommand whose action throws `error`. */
async function runThrowing(error: unknown): Promise<{ code: number; stderr: string }> {
  const capture = captureIo();
  const program = buildProgram(capture.io, () => {});
  program
    .command('explode')
    .description('throwaway command for the error boundary test')
    .action(async () => {
      throw error;
    })
    .exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['explode'], { from: 'user' });
  } catch (thrown) {
    code = reportError(thrown, capture.io.stderr);
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stderr: capture.err() };
}

describe('traffic shell: global options', () => {
  it('--help lists --log-level and --log-format and exits 0', async () => {
    const capture = captureIo();
    expect(await main(['--help'], capture.io)).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.out()).toContain('Usage: traffic');
    // Help wraps to the terminal width: compare with whitespace collapsed.
    const help = capture.out().replace(/\s+/g, ' ');
    expect(help).toContain(
      '--log-level <level> log level (logs go to stderr) (choices: "trace", "debug", "info", "warn", "error", "fatal", "silent", default: "info")',
    );
    expect(help).toContain('--log-format <format> log format (choices: "json", "pretty", default: "pretty")');
    expect(capture.err()).toBe('');
  });

  it('--version and -V print the package version and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const capture = captureIo();
      expect(await main([flag], capture.io)).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(capture.out().trim()).toBe(VERSION);
    }
  });

  it('an unknown option exits 2 and says what was wrong', async () => {
    const capture = captureIo();
    expect(await main(['--no-such-flag'], capture.io)).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.err()).toContain("unknown option '--no-such-flag'");
    expect(capture.err()).toContain('--help');
  });

  it('a --log-level outside the choices exits 2', async () => {
    const capture = captureIo();
    expect(await main(['--log-level', 'loud', '--help'], capture.io)).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.err()).toContain('loud');
  });
});

describe('traffic shell: the error boundary', () => {
  it('a coded TrafficError thrown by a command prints "traffic: <message> [CODE]" and exits 1', async () => {
    const result = await runThrowing(
      new TrafficError('TRAFFIC_ERR_CONFIG_INVALID', 'config file x.json is not valid JSON at line 2, column 3'),
    );
    expect(result).toEqual({
      code: 1,
      stderr: 'traffic: config file x.json is not valid JSON at line 2, column 3 [TRAFFIC_ERR_CONFIG_INVALID]\n',
    });
  });

  it('a UsageError or an InvalidOptionError exits 2 with its code', async () => {
    const usage = await runThrowing(new UsageError('--listen is required'));
    expect(usage).toEqual({ code: 2, stderr: 'traffic: --listen is required [TRAFFIC_ERR_CLI_USAGE]\n' });
    const option = await runThrowing(new InvalidOptionError('timeoutMs', -1, 'an integer from 1 to 60000'));
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('[TRAFFIC_ERR_OPTION_INVALID]');
  });

  it('EADDRINUSE is explained; any other error is reported as unexpected with its stack, exit 1', async () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      address: '127.0.0.1',
      port: 8080,
    });
    const busy = await runThrowing(inUse);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('address already in use: 127.0.0.1:8080');
    const other = await runThrowing(new Error('kaboom'));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^traffic: unexpected error: Error: kaboom\n\s+at /);
    const notAnError = await runThrowing('a string');
    expect(notAnError).toEqual({ code: 1, stderr: 'traffic: unexpected error: a string\n' });
  });
});

describe('readJsonConfig', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'traffic-shell-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function codeAndMessage(path: string): Promise<[string, string]> {
    try {
      await readJsonConfig(path);
    } catch (error) {
      return [(error as TrafficError).code, (error as Error).message];
    }
    throw new Error('expected readJsonConfig to throw');
  }

  it('reads a JSON object of options', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, '{ "listen": "127.0.0.1:8080", "backends": ["a"] }');
    expect(await readJsonConfig(path)).toEqual({ listen: '127.0.0.1:8080', backends: ['a'] });
  });

  it('a missing file is TRAFFIC_ERR_CONFIG_UNREADABLE naming the path and the reason', async () => {
    const path = join(dir, 'missing.json');
    const [code, message] = await codeAndMessage(path);
    expect(code).toBe('TRAFFIC_ERR_CONFIG_UNREADABLE');
    expect(message).toBe(`cannot read config file ${path}: no such file (ENOENT)`);
    expect((await codeAndMessage(dir))[0]).toBe('TRAFFIC_ERR_CONFIG_UNREADABLE');
  });

  it('bad JSON is TRAFFIC_ERR_CONFIG_INVALID with the line and column', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{\n  "listen": "x",\n  oops: 1\n}\n');
    const [code, message] = await codeAndMessage(path);
    expect(code).toBe('TRAFFIC_ERR_CONFIG_INVALID');
    expect(message).toContain(`config file ${path} is not valid JSON at line 3, column 3`);
  });

  it('JSON that is not an object of options is TRAFFIC_ERR_CONFIG_INVALID', async () => {
    for (const [name, text] of [
      ['array.json', '[1, 2]'],
      ['null.json', 'null'],
      ['number.json', '42'],
    ]) {
      const path = join(dir, name as string);
      await writeFile(path, text as string);
      expect(await codeAndMessage(path)).toEqual([
        'TRAFFIC_ERR_CONFIG_INVALID',
        `config file ${path} must hold a JSON object of options`,
      ]);
    }
  });
});

describe('the built binary', () => {
  const bin = new URL('../dist/bin.js', import.meta.url).pathname;

  it('node packages/cli/dist/bin.js --help exits 0 and lists the global options', () => {
    expect(existsSync(bin), `${bin} is missing: run npm run build first`).toBe(true);
    const result = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 15_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: traffic');
    expect(result.stdout).toContain('--log-level <level>');
    expect(result.stdout).toContain('--log-format <format>');
    expect(result.stdout).toContain('--version');
  });
});
