import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the chaos tool's issue adds its subcommand here.
export function registerChaosCommand(_program: Command, _context: CliContext): void {}
