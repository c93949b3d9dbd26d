import { integerOption } from '@traffic/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { renderDemoReport } from '../demo/demo-report.js';
import { startDemo } from '../demo/run-demo.js';

/** `traffic demo`: start every tool on loopback, drive a bounded burst, print what each saw. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'run every tool together on loopback: a JSON API v1 and v2, a shadow proxy, an event proxy, a latency toxic',
    )
    .option('--requests <n>', 'requests in the burst', '120')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option('--latency <ms>', "latency toxic on v2's responses, in ms", '30')
    .option('--keep', 'leave everything running and print URLs and curl commands to try by hand')
    .addHelpText('after', '\nExamples:\n  traffic demo\n  traffic demo --keep --latency 100\n')
    .action(async (flags: { requests: string; concurrency: string; latency: string; keep?: boolean }) => {
      const requests = integerOption('--requests', Number(flags.requests), 1, 100_000);
      const concurrency = integerOption('--concurrency', Number(flags.concurrency), 1, 256);
      const latencyMs = integerOption('--latency', Number(flags.latency), 0, 60_000);
      const out = context.stdout;
      const demo = await startDemo({
        requests,
        concurrency,
        latencyMs,
        progress: context.stderr,
        logger: context.logger(),
      });
      out.write(
        `traffic demo: API v1 ${demo.urls.v1}, v2 ${demo.urls.v2} behind chaos ${demo.urls.chaos}, shadow proxy ${demo.urls.shadow}, event proxy ${demo.urls.entry}\n`,
      );
      let report: Awaited<ReturnType<typeof demo.drive>>;
      try {
        report = await demo.drive();
      } catch (error) {
        await demo.close();
        throw error;
      }
      out.write(renderDemoReport(report));
      if (flags.keep) {
        out.write(
          [
            'Still running (Ctrl-C to stop). Try:',
            `  curl -i ${demo.urls.entry}/users/1      # through the event proxy and the shadow proxy`,
            `  curl -i ${demo.urls.entry}/admin        # forged 403 by the event-proxy listener`,
            `  curl -i ${demo.urls.v2}/users/1      # v2 directly: "plan" differs`,
            `  curl -i ${demo.urls.chaos}/users/1      # v2 through the latency toxic`,
            '',
          ].join('\n'),
        );
        context.onShutdown(() => demo.close());
        return;
      }
      await demo.close();
    });
}
