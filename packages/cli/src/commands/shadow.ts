import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { createShadowProxy, formatStats } from '@traffic/shadow-proxy';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readJsonConfig } from '../config-file.js';
import type { CliContext } from '../context.js';
import type { ShadowFlags } from './shadow-options.js';
import { shadowConfigFromFlags } from './shadow-options.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * `traffic shadow`: answer every client from the master, mirror to candidates, compare, report.
 * Stats go to stderr; the diff log to a file or stdout; SIGINT/SIGTERM finish in-flight requests.
 */
export function registerShadowCommand(program: Command, context: CliContext): void {
  program
    .command('shadow')
    .description('Shadow proxy: answer from the master, mirror requests to candidate backends, compare the answers.')
    .option('--listen <host:port>', 'listen address (default 127.0.0.1:8080)')
    .option('--master <url>', 'the live backend whose answers clients get (URL or NAME=URL)')
    .addOption(new Option('--backend <name=url>', 'a candidate backend to shadow (repeatable)').argParser(collect))
    .option('--noise-master <url>', 'a second master: differences between the two masters are noise')
    .option('--config <file>', 'JSON file of createShadowProxy options plus "master", "backends", "diffLog"')
    .option('--master-timeout <ms>', 'master deadline from dispatch to response head (default 30000)')
    .option('--shadow-timeout <ms>', 'shadow deadline from dispatch to end of body (default 5000)')
    .option('--max-shadows-in-flight <n>', 'shadow requests in flight; over it: dropped_overload (default 100)')
    .option('--max-shadow-body <bytes>', 'request bodies up to this size are copied to shadows (default 1048576)')
    .option('--capture-bytes <bytes>', 'response bytes kept for comparison; above: length + sha256 (default 1048576)')
    .option('--shadow-methods <list>', 'methods shadowed on every route (default GET,HEAD,OPTIONS)')
    .addOption(
      new Option(
        '--allow <methods:path>',
        'also shadow these methods under a path, e.g. POST:/api/search (repeatable)',
      ).argParser(collect),
    )
    .option('--marker-header <name>', 'header sent to shadows only (default x-shadow-request)')
    .option('--marker-value <value>', 'value of the marker header (default 1)')
    .option('--loop-header <name>', 'header carrying the proxy id to stop loops (default x-shadow-loop)')
    .option('--no-x-forwarded', 'do not add x-forwarded-for/-proto/-host')
    .option('--shadow-host <policy>', 'Host for shadows: preserve, backend, or a fixed host (default preserve)')
    .option('--sample-rate <percent>', 'percentage of eligible requests shadowed (default 100)')
    .option('--sample-header <name>', 'sticky sampling by this header value (e.g. x-user-id)')
    .addOption(
      new Option(
        '--ignore-header <name>',
        'response header not compared, added to the defaults (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--ignore-path <pointer>', 'JSON pointer not compared, * matches a segment (repeatable)').argParser(
        collect,
      ),
    )
    .addOption(
      new Option(
        '--array-key <pointer=field>',
        'compare this array unordered, matched by field (repeatable)',
      ).argParser(collect),
    )
    .option('--max-differences <n>', 'differences reported per exchange (default 50)')
    .option('--diff-log <file>', 'NDJSON diff log: a file, or - for stdout')
    .option('--diff-log-sampled-out', 'also log requests skipped by sampling')
    .addOption(
      new Option(
        '--redact-header <name>',
        'header redacted in the diff log, added to the defaults (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--redact-field <word>',
        'JSON field / query name part redacted in the diff log (repeatable)',
      ).argParser(collect),
    )
    .option('--stats-interval <ms>', 'print stats to stderr every N ms, 0 for only the final ones (default 10000)')
    .option('--max-endpoints <n>', 'distinct endpoints tracked for diff rates (default 200)')
    .option('--connections <n>', 'keep-alive connections per backend (default 128)')
    .option('--keep-alive-timeout <ms>', 'idle upstream sockets close after this (default 4000)')
    .option('--close-timeout <ms>', 'on shutdown, cut requests still running after this (default 10000)')
    .option('--access-log', 'one JSON access log line per request on stdout (@traffic/http-logger)')
    .addHelpText(
      'after',
      '\nExample:\n  traffic shadow --listen 127.0.0.1:8080 --master http://127.0.0.1:9000 --backend candidate=http://127.0.0.1:9001 --diff-log diffs.ndjson\n',
    )
    .action(async (flags: ShadowFlags) => {
      const file = flags.config === undefined ? {} : await readJsonConfig(flags.config);
      const config = shadowConfigFromFlags(flags, file);
      const logger = context.logger();
      let diffLog: Writable | undefined;
      if (config.diffLog === '-') diffLog = context.stdout as Writable;
      else if (config.diffLog !== undefined) diffLog = createWriteStream(config.diffLog, { flags: 'a' });
      const proxy = createShadowProxy({ ...config.options, logger, ...(diffLog === undefined ? {} : { diffLog }) });
      proxy.addMaster(config.master.name, config.master.url, config.master.options);
      for (const backend of config.backends) proxy.addBackend(backend.name, backend.url, backend.options);
      if (config.noiseMaster !== undefined)
        proxy.addNoiseMaster(config.noiseMaster.name, config.noiseMaster.url, config.noiseMaster.options);
      proxy.events.on('stats', (snapshot) => context.stderr.write(formatStats(snapshot)));
      proxy.events.on('error', (error) => logger.warn({ err: error }, 'shadow proxy error'));
      const address = await proxy.listen();
      context.onShutdown(async () => {
        await proxy.close();
        if (diffLog !== undefined && diffLog !== context.stdout) {
          const stream = diffLog;
          await new Promise<void>((resolve) => stream.end(resolve));
        }
      });
      const shadows = config.backends.map((backend) => backend.name).join(', ') || 'none';
      const out = config.diffLog === '-' ? context.stderr : context.stdout;
      out.write(`traffic shadow: listening on ${address.url} -> master ${config.master.url}, shadows: ${shadows}\n`);
    });
}
