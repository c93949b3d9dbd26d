import { readFileSync } from 'node:fs';
import type { LogFormat, Logger, LogLevel } from '@traffic/core';
import { createLogger, isTrafficError, LOG_LEVELS } from '@traffic/core';
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import type { CliContext } from './context.js';

export interface MainIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * Build the `traffic` program. Each tool registers its subcommand in commands/index.ts; this file
 * owns only the global options and the one error boundary.
 */
export function buildProgram(io: Required<MainIo>, shutdown: (close: () => Promise<void>) => void): Command {
  let logger: Logger | undefined;
  const context: CliContext = {
    logger: () => {
      if (logger === undefined) {
        const options = program.opts<{ logLevel: LogLevel; logFormat: LogFormat }>();
        logger = createLogger({ level: options.logLevel, format: options.logFormat, destination: io.stderr });
      }
      return logger;
    },
    stdout: io.stdout,
    stderr: io.stderr,
    onShutdown: shutdown,
  };
  const program = new Command('traffic')
    .description('Shadow, replay, inspect, log and break live network traffic.')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']).default('pretty'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExample:\n  traffic shadow --listen 127.0.0.1:8080 --master http://127.0.0.1:9000 --backend candidate=http://127.0.0.1:9001\n',
  );
  registerCommands(program, context);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Run the CLI. Resolves with an exit code for commands that finish, or undefined for servers that
 * keep running until a signal. Coded errors print message and code and give 1; usage errors give 2.
 */
export async function main(argv: string[], io: MainIo = {}): Promise<number | undefined> {
  const streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
  const closers: (() => Promise<void>)[] = [];
  let longRunning = false;
  const program = buildProgram(streams, (close) => {
    if (!longRunning) installSignalHandlers(closers, streams.stderr);
    longRunning = true;
    closers.push(close);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return longRunning ? undefined : ((process.exitCode as number | undefined) ?? 0);
  } catch (error) {
    return reportError(error, streams.stderr);
  }
}

export function reportError(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof CommanderError) {
    // Help and version "errors" are successful exits; commander already printed the text.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return 0;
    return 2;
  }
  if (isTrafficError(error)) {
    stderr.write(`traffic: ${error.message} [${error.code}]\n`);
    return error.code === 'TRAFFIC_ERR_CLI_USAGE' || error.code === 'TRAFFIC_ERR_OPTION_INVALID' ? 2 : 1;
  }
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EADDRINUSE') {
    stderr.write(
      `traffic: address already in use: ${(err as { address?: string }).address ?? ''}:${(err as { port?: number }).port ?? ''} — choose another --listen port or stop the process using it\n`,
    );
    return 1;
  }
  stderr.write(`traffic: unexpected error: ${err?.stack ?? String(error)}\n`);
  return 1;
}

function installSignalHandlers(closers: (() => Promise<void>)[], stderr: NodeJS.WritableStream): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      stderr.write(`traffic: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    closing = true;
    Promise.allSettled(closers.map((close) => close())).then((results) => {
      const failed = results.filter((result) => result.status === 'rejected');
      for (const failure of failed)
        stderr.write(`traffic: error while shutting down: ${String((failure as PromiseRejectedResult).reason)}\n`);
      process.exit(failed.length > 0 ? 1 : 0);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
