import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerChaosCommand } from './chaos.js';
import { registerDemoCommand } from './demo.js';
import { registerGorCommand } from './gor.js';
import { registerProxyCommand } from './proxy.js';
import { registerShadowCommand } from './shadow.js';

/** The registration point: one file per subcommand, each adding itself to the program. */
export function registerCommands(program: Command, context: CliContext): void {
  registerGorCommand(program, context);
  registerShadowCommand(program, context);
  registerProxyCommand(program, context);
  registerChaosCommand(program, context);
  registerDemoCommand(program, context);
}
