import type { EndpointOptions, EventProxyOptions } from '@traffic/event-proxy';
import { createEventProxy } from '@traffic/event-proxy';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readJsonConfig } from '../config-file.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { loadProxyPlugin } from './proxy-plugin.js';

interface ProxyFlags {
  listen?: string[];
  upstream?: string[];
  plugin?: string[];
  config?: string;
  accessLog?: boolean;
  changeOrigin?: boolean;
  connectTimeout?: string;
  headersTimeout?: string;
  bodyTimeout?: string;
  listenerErrorPolicy?: 'respond-500' | 'continue';
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * `traffic proxy`: the event proxy with listeners from plugin modules. Flags override the config
 * file; `--listen`/`--upstream` on the command line replace the config's endpoints.
 */
export function registerProxyCommand(program: Command, context: CliContext): void {
  program
    .command('proxy')
    .description('Reverse proxy whose transactions are events: plugins observe, filter, rewrite or forge them.')
    .addOption(new Option('--listen <host:port>', 'listen address (repeatable)').argParser(collect))
    .addOption(
      new Option('--upstream <url>', 'upstream URL; several are served round-robin (repeatable)').argParser(collect),
    )
    .addOption(
      new Option(
        '--plugin <module>',
        'module whose default export receives the proxy (.mjs/.js/.ts; repeatable)',
      ).argParser(collect),
    )
    .option('--config <file>', 'JSON file of createEventProxy options (plus "plugins": [paths])')
    .option('--access-log', 'write one JSON access log line per request to stdout (@traffic/http-logger)')
    .option('--change-origin', "send the upstream's host as Host")
    .option('--connect-timeout <ms>', 'upstream connect timeout (default 5000)')
    .option('--headers-timeout <ms>', 'upstream response head timeout (default 30000)')
    .option('--body-timeout <ms>', 'longest gap between upstream body chunks (default 30000)')
    .addOption(
      new Option(
        '--listener-error-policy <policy>',
        'a throwing listener answers 500 or the transaction continues',
      ).choices(['respond-500', 'continue']),
    )
    .addHelpText(
      'after',
      '\nExample:\n  traffic proxy --listen 127.0.0.1:4000 --upstream http://127.0.0.1:9000 --plugin ./listeners.mjs\n',
    )
    .action(async (flags: ProxyFlags) => {
      const config = flags.config === undefined ? {} : await readJsonConfig(flags.config);
      const { plugins: configPlugins, ...fileOptions } = config as { plugins?: unknown } & Record<string, unknown>;
      if (
        configPlugins !== undefined &&
        !(Array.isArray(configPlugins) && configPlugins.every((p) => typeof p === 'string'))
      ) {
        throw new UsageError(`config ${flags.config}: "plugins" must be an array of module paths`);
      }
      const options = { ...fileOptions } as Partial<EventProxyOptions> & Record<string, unknown>;
      if (flags.listen !== undefined || flags.upstream !== undefined) {
        if (flags.upstream === undefined)
          throw new UsageError('--upstream is required with --listen (e.g. --upstream http://127.0.0.1:9000)');
        const listens = flags.listen ?? ['127.0.0.1:4000'];
        options.endpoints = listens.map(
          (listen): EndpointOptions => ({ listen, upstream: flags.upstream as string[] }),
        );
      }
      if (options.endpoints === undefined) {
        throw new UsageError('give --listen and --upstream, or a --config file with "endpoints"');
      }
      if (flags.accessLog) options.accessLog = true;
      if (flags.changeOrigin) options.changeOrigin = true;
      if (flags.connectTimeout !== undefined) options.connectTimeoutMs = toNumber(flags.connectTimeout);
      if (flags.headersTimeout !== undefined) options.headersTimeoutMs = toNumber(flags.headersTimeout);
      if (flags.bodyTimeout !== undefined) options.bodyTimeoutMs = toNumber(flags.bodyTimeout);
      if (flags.listenerErrorPolicy !== undefined) options.listenerErrorPolicy = flags.listenerErrorPolicy;
      const logger = context.logger();
      const proxy = createEventProxy({ ...(options as EventProxyOptions), logger });
      for (const plugin of [...((configPlugins as string[] | undefined) ?? []), ...(flags.plugin ?? [])]) {
        await loadProxyPlugin(plugin, proxy, logger);
      }
      proxy.on('error', (error) => logger.warn({ err: error }, 'proxy error'));
      const addresses = await proxy.listen();
      context.onShutdown(() => proxy.close());
      for (const address of addresses) {
        context.stdout.write(`traffic proxy: listening on ${address.url} -> ${address.upstreams.join(', ')}\n`);
      }
    });
}

function toNumber(text: string): number {
  // The factory validates the range and names the option; only the text → number step is here.
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}
