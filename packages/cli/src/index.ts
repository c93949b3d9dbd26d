export { readJsonConfig } from './config-file.js';
export type { CliContext } from './context.js';
export { UsageError } from './errors.js';
export { buildProgram, main, reportError } from './main.js';
