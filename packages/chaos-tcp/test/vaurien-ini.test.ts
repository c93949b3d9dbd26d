import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVaurienIni, readVaurienIni } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-ini-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Vaurien INI config', () => {
  it('reads [vaurien], [behavior:NAME], [handler:NAME] and callables', async () => {
    writeFileSync(
      join(dir, 'slow.mjs'),
      `export const behavior = { name: 'slow', description: 'x', options: { ms: ['wait', 'int', 5] }, onRequest: (c) => ({ delayMs: c.options.ms }) };`,
    );
    const path = join(dir, 'chaos.ini');
    writeFileSync(
      path,
      [
        '[vaurien]',
        'backend = 127.0.0.1:6379',
        'proxy = 127.0.0.1:8000',
        'protocol = redis',
        'behavior = 20:delay,10:error,5:slow',
        'seed = 42',
        '',
        '[behavior:delay]',
        'sleep = 0.5',
        'before = false',
        '',
        '[handler:slow]',
        'callable = ./slow.mjs',
        'ms = 12',
      ].join('\n'),
    );
    const config = await readVaurienIni(path);
    expect(config).toMatchObject({
      local: '127.0.0.1:8000',
      distant: '127.0.0.1:6379',
      protocol: 'redis',
      behavior: '20:delay,10:error,5:slow',
      seed: 42,
      behaviorOptions: { delay: { sleep: '0.5', before: false }, slow: { ms: '12' } },
    });
    expect(config.customBehaviors.slow?.name).toBe('slow');
  });

  it('names the file, line, key and the allowed values in every error', async () => {
    const cases: [string, RegExp][] = [
      [
        '[vaurien]\nprotocol = smtp\n',
        /bad\.ini:2 \[vaurien\] protocol: protocol "smtp" \(allowed: tcp, http, redis, memcache\)/,
      ],
      [
        '[vaurien]\n\nbehaviour = 10:delay\n',
        /bad\.ini:3 \[vaurien\] behaviour: unknown key \(allowed: local, proxy, distant/,
      ],
      ['[vaurien]\nbehavior = 90:delay,20:error\n', /bad\.ini:2 \[vaurien\] behavior: weights add up to 110/],
      [
        '[vaurien]\nbehavior = 10:boom\n',
        /bad\.ini:2 \[vaurien\] behavior: unknown behavior "boom" \(allowed: dummy, delay/,
      ],
      [
        '[behavior:delay]\nsleep = soon\n',
        /bad\.ini:2 \[behavior:delay\] sleep: behavior delay option sleep is "soon" \(allowed: a number/,
      ],
      [
        '[behavior:delay]\nnap = 1\n',
        /bad\.ini:2 \[behavior:delay\] nap: behavior delay has no option "nap" \(allowed: sleep, before\)/,
      ],
      [
        '[behaviour:delay]\n',
        /bad\.ini:1 \[behaviour:delay\]: unknown section \(allowed: \[vaurien\], \[behavior:NAME\]/,
      ],
      ['[handler:x]\ncallable = ./missing.mjs\n', /bad\.ini:2 \[handler:x\] callable: cannot load behavior x/],
      ['[vaurien]\nseed = -1\n', /bad\.ini:2 \[vaurien\] seed: "-1" \(allowed: an integer from 0 to 4294967295\)/],
    ];
    for (const [text, message] of cases) {
      await expect(parseVaurienIni(text, join(dir, 'bad.ini'))).rejects.toThrow(message);
    }
    await expect(readVaurienIni(join(dir, 'nope.ini'))).rejects.toThrow(/cannot read config file .*nope\.ini: ENOENT/);
  });
});
