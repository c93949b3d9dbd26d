import type { Logger } from '@traffic/core';

/** What every subcommand gets from the shell: the logger the global flags chose, and the streams. */
export interface CliContext {
  /** Resolves once global options are parsed; use inside actions, not at registration. */
  logger(): Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Set by long-running commands: called on SIGINT/SIGTERM before the process exits. */
  onShutdown(close: () => Promise<void>): void;
}
