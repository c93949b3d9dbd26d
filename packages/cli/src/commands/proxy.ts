import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the proxy tool's issue adds its subcommand here.
export function registerProxyCommand(_program: Command, _context: CliContext): void {}
