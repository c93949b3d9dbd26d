import {
  behaviorRegistry,
  type ChaosProxy,
  type ChaosProxyOptions,
  createChaosProxy,
  createToxiproxyServer,
  PROTOCOLS,
  type ProtocolName,
  readVaurienIni,
  type ToxiproxyServer,
  type VaurienConfig,
} from '@traffic/chaos-tcp';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseBehaviorFlags } from './chaos-flags.js';

interface ChaosFlags {
  local?: string;
  distant?: string;
  protocol?: ProtocolName;
  behavior?: string;
  seed?: string;
  config?: string;
  api?: string;
  name?: string;
  connectTimeout?: string;
}

const EXAMPLE = `
Examples:
  traffic chaos --local 127.0.0.1:8000 --distant 127.0.0.1:6379 --protocol redis --behavior 20:delay,10:error --seed 42
  traffic chaos --local 127.0.0.1:8000 --distant 127.0.0.1:6379 --behavior 30:delay --behavior-delay-sleep 0.5
  traffic chaos --config chaos.ini --api 127.0.0.1:8474
  traffic chaos --api 127.0.0.1:8474      (Toxiproxy-compatible server only)

Behaviour options: --behavior-<name>-<option> <value> or --handlers.<name>.<option> <value>
  (delay: sleep, before; error: warmup; transient: stop_count; abort: before)
`;

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * `traffic chaos`: Vaurien's command line (--local/--distant/--behavior/--protocol, INI config) on
 * the chaos-tcp engine, optionally with the Toxiproxy-compatible API (--api).
 */
export function registerChaosCommand(program: Command, context: CliContext): void {
  program
    .command('chaos')
    .description('TCP fault-injection proxy: Vaurien behaviours, Toxiproxy toxics and its REST API.')
    .option('--local <host:port>', 'where clients connect (Vaurien --local)')
    .option('--distant <host:port>', 'the upstream service (Vaurien --distant)')
    .addOption(new Option('--protocol <name>', 'message framing for per-request faults').choices([...PROTOCOLS]))
    .option('--behavior <mix>', 'weighted behaviours in percent, e.g. 20:delay,10:error (rest: dummy)')
    .option('--seed <n>', 'seed of the PRNG behind every fault decision (same seed, same decisions)')
    .option('--config <file.ini>', 'Vaurien INI: [vaurien], [behavior:NAME] / [handler:NAME] (callable = module)')
    .option('--api <host:port>', 'also serve the Toxiproxy-compatible REST API (e.g. 127.0.0.1:8474)')
    .option('--name <name>', 'name of the proxy in the API (default chaos)')
    .option('--connect-timeout <ms>', 'upstream connect timeout (default 5000)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText('after', EXAMPLE)
    .action(async (flags: ChaosFlags, command: Command) => {
      const config: VaurienConfig =
        flags.config === undefined ? { behaviorOptions: {}, customBehaviors: {} } : await readVaurienIni(flags.config);
      const registry = behaviorRegistry(config.customBehaviors);
      const flagOptions = parseBehaviorFlags(command.args, registry);
      const behaviorOptions: Record<string, Record<string, unknown>> = { ...config.behaviorOptions };
      for (const [name, options] of Object.entries(flagOptions)) {
        behaviorOptions[name] = { ...behaviorOptions[name], ...options };
      }
      const local = flags.local ?? config.local;
      const distant = flags.distant ?? config.distant;
      const api = flags.api ?? config.api;
      const seed = integer('--seed', flags.seed) ?? config.seed;
      const connectTimeoutMs = integer('--connect-timeout', flags.connectTimeout) ?? config.connectTimeoutMs;
      if (distant === undefined && api === undefined) {
        throw new UsageError('give --distant <host:port> (and --local), or --api <host:port> for the Toxiproxy API');
      }
      const logger = context.logger();
      let proxy: ChaosProxy | undefined;
      if (distant !== undefined) {
        const options: ChaosProxyOptions = {
          name: flags.name ?? 'chaos',
          listen: local ?? '127.0.0.1:8000',
          upstream: distant,
          protocol: flags.protocol ?? config.protocol ?? 'tcp',
          behavior: flags.behavior ?? config.behavior ?? '',
          behaviorOptions,
          customBehaviors: config.customBehaviors,
          logger,
          ...(seed === undefined ? {} : { seed }),
          ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
        };
        proxy = createChaosProxy(options);
        proxy.events.on('fault', (fault) => logger.debug(fault, 'fault'));
      } else if (flags.behavior !== undefined || Object.keys(flagOptions).length > 0) {
        throw new UsageError('--behavior needs --distant (the API creates plain proxies; set their mix via the API)');
      }
      let server: ToxiproxyServer | undefined;
      if (api !== undefined) {
        server = createToxiproxyServer({ listen: api, logger, ...(seed === undefined ? {} : { seed }) });
        await server.listen();
        context.onShutdown(() => server!.close());
        if (proxy) await server.addProxy(proxy);
        context.stdout.write(`traffic chaos: Toxiproxy API on ${server.url}\n`);
      }
      if (proxy) {
        await proxy.listen();
        context.onShutdown(() => proxy!.close());
        const mix = proxy.behavior.toString() || 'dummy';
        context.stdout.write(
          `traffic chaos: listening on ${proxy.listenAddress} -> ${proxy.upstream} (protocol ${proxy.protocol}, behavior ${mix}, seed ${proxy.seed})\n`,
        );
      }
    });
}
