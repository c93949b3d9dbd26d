import { TrafficError } from '@traffic/core';

/** A mistake in how the command was called (bad flag value, missing argument): exit code 2. */
export class UsageError extends TrafficError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('TRAFFIC_ERR_CLI_USAGE', message, { details });
    this.name = 'UsageError';
  }
}
