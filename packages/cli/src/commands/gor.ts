import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { GorStats, TypeName } from '@traffic/gor-middleware';
import { createMiddleware, replayGorFile } from '@traffic/gor-middleware';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { GorFlags } from './gor-options.js';
import { loadMiddlewareModule, middlewareOptions } from './gor-options.js';

/**
 * `traffic gor ./mw.js` serves gor on stdin/stdout with a module whose default export receives the
 * middleware (so `gor --middleware "traffic gor ./mw.js"` works verbatim); `traffic gor replay`
 * runs a recorded .gor file through it offline with a progress bar and a summary.
 */
function addMiddlewareFlags(command: Command): Command {
  return command
    .option('--config <file>', 'JSON file of middleware options (flags override it)')
    .option('--concurrency <n>', 'messages of different IDs in flight at once (async handlers)', undefined)
    .option('--workers <n>', 'run the module on this many worker threads (.js/.mjs modules)')
    .option('--keyed-ttl <ms>', 'lifetime of on(channel, id, cb) handlers in ms (default 60000)')
    .option('--max-keyed <n>', 'bound on live keyed handlers, oldest evicted (default 100000)')
    .addOption(
      new Option('--on-handler-error <policy>', 'forward (unchanged) or drop a message whose handler threw').choices([
        'forward',
        'drop',
      ]),
    );
}

export function registerGorCommand(program: Command, context: CliContext): void {
  const gor = addMiddlewareFlags(
    program
      .command('gor')
      .description('run a GoReplay middleware module on stdin/stdout (hex protocol), or replay a .gor file through it')
      .argument('[module]', 'middleware module (.js, .mjs, .ts): its default export receives the gor instance'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  traffic gor ./rewrite.mjs\n  gor --input-raw :80 --input-raw-track-response --middleware "traffic gor ./rewrite.mjs" --output-http http://staging --output-http-track-response\n  traffic gor replay requests.gor.gz ./rewrite.mjs --output rewritten.gor\n',
    )
    .action(async (modulePath: string | undefined, flags: GorFlags) => {
      if (modulePath === undefined)
        throw new UsageError('traffic gor needs a middleware module, e.g. traffic gor ./mw.mjs');
      const options = await middlewareOptions(flags);
      const workers = options.workers ?? 0;
      if (workers > 0 && /\.[mc]?ts$/.test(modulePath)) {
        throw new UsageError('--workers needs a JavaScript module (.js/.mjs); build the .ts module first');
      }
      const logger = context.logger();
      const middleware = createMiddleware({ ...options, logger, ...(workers > 0 ? { workerModule: modulePath } : {}) });
      // With workers the module's handlers live in each worker thread, not on this one.
      if (workers === 0) await (await loadMiddlewareModule(modulePath))(middleware);
      const stats = await middleware.run({ input: process.stdin, output: context.stdout as Writable });
      logger.info({ stats: compactStats(stats) }, 'gor: stdin ended, output flushed');
    });

  addMiddlewareFlags(
    gor
      .command('replay')
      .description('run the records of a GoReplay .gor file (optionally gzipped) through a middleware, offline')
      .argument('<file>', 'a .gor or .gor.gz file written by gor --output-file')
      .argument('[module]', 'middleware module; without one the records pass through unchanged')
      .option('--output <file>', 'write a .gor file (gzipped when it ends in .gz) instead of hex lines on stdout')
      .addOption(
        new Option('--format <format>', 'output format (default: gor with --output, hex on stdout)').choices([
          'gor',
          'hex',
        ]),
      )
      .option('--no-progress', 'no progress bar even on a terminal'),
  )
    .addHelpText('after', '\nExample:\n  traffic gor replay requests.gor.gz ./compare.mjs --output replayed.gor\n')
    .action(
      async (
        file: string,
        modulePath: string | undefined,
        flags: GorFlags & { output?: string; format?: 'gor' | 'hex'; progress: boolean },
      ) => {
        const options = await middlewareOptions(flags);
        if ((options.workers ?? 0) > 0) throw new UsageError('--workers is not supported by gor replay');
        const logger = context.logger();
        const middleware = createMiddleware({ ...options, logger });
        if (modulePath !== undefined) await (await loadMiddlewareModule(modulePath))(middleware);
        const total = await stat(file).then(
          (s) => s.size,
          () => 0,
        );
        let output: Writable = context.stdout as Writable;
        let fileOut: Writable | undefined;
        if (flags.output !== undefined) {
          fileOut = createWriteStream(flags.output);
          if (flags.output.endsWith('.gz')) {
            const gzip = createGzip();
            gzip.pipe(fileOut);
            output = gzip;
          } else output = fileOut;
        }
        const format = flags.format ?? (flags.output === undefined ? 'hex' : 'gor');
        const stderr = context.stderr as NodeJS.WriteStream;
        const bar =
          flags.progress && stderr.isTTY === true ? new ProgressBar(stderr, total, () => middleware.stats) : undefined;
        const started = process.hrtime.bigint();
        let stats: GorStats;
        try {
          stats = await replayGorFile(middleware, file, output, {
            format,
            ...(bar === undefined ? {} : { onBytesRead: (bytes: number) => bar.update(bytes) }),
          });
        } finally {
          bar?.done();
        }
        if (fileOut !== undefined) {
          output.end();
          await finished(fileOut);
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        // Hex lines own stdout; the summary goes to stderr then.
        const summaryOut = flags.output === undefined ? context.stderr : context.stdout;
        summaryOut.write(summary(file, stats, seconds));
      },
    );
}

const TYPES: TypeName[] = ['request', 'response', 'replay', 'other'];

function compactStats(stats: GorStats): Record<string, unknown> {
  const byType: Record<string, unknown> = {};
  for (const name of TYPES) if (stats.byType[name].in > 0) byType[name] = stats.byType[name];
  return { lines: stats.lines, malformed: stats.malformed, tooLong: stats.tooLong, ...byType, keyed: stats.keyed };
}

export function summary(file: string, stats: GorStats, seconds: number): string {
  const messages = TYPES.reduce((sum, name) => sum + stats.byType[name].in, 0);
  const rate = seconds > 0 ? Math.round(messages / seconds) : messages;
  const rows = [['type', 'in', 'forwarded', 'filtered', 'modified', 'errors']];
  for (const name of TYPES) {
    const t = stats.byType[name];
    if (name === 'other' && t.in === 0) continue;
    rows.push([name, t.in, t.forwarded, t.filtered, t.modified, t.errors].map(String));
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const table = rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
        .join('  '),
    )
    .join('\n');
  const skipped =
    stats.malformed + stats.tooLong > 0 ? `\nskipped: ${stats.malformed} malformed, ${stats.tooLong} too large` : '';
  return `replayed ${messages} messages from ${file} in ${seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} messages/s)\n${table}${skipped}\n`;
}

/** A one-line progress bar on stderr (a terminal only), redrawn at most every 100 ms. */
class ProgressBar {
  readonly #out: NodeJS.WriteStream;
  readonly #total: number;
  readonly #stats: () => GorStats;
  #last = 0;
  #bytes = 0;

  constructor(out: NodeJS.WriteStream, total: number, stats: () => GorStats) {
    this.#out = out;
    this.#total = total;
    this.#stats = stats;
  }

  update(bytes: number): void {
    this.#bytes = bytes;
    const now = Date.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const fraction = this.#total > 0 ? Math.min(1, this.#bytes / this.#total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const stats = this.#stats();
    const messages = TYPES.reduce((sum, name) => sum + stats.byType[name].in, 0);
    this.#out.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${messages} messages`,
    );
  }

  done(): void {
    if (this.#last > 0) this.#out.write('\r\x1b[K');
  }
}
