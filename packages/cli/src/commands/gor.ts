import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the gor tool's issue adds its subcommand here.
export function registerGorCommand(_program: Command, _context: CliContext): void {}
