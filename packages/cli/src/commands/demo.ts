import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the demo tool's issue adds its subcommand here.
export function registerDemoCommand(_program: Command, _context: CliContext): void {}
