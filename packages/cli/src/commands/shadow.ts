import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the shadow tool's issue adds its subcommand here.
export function registerShadowCommand(_program: Command, _context: CliContext): void {}
