import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BehaviorDefinition, OptionSpec } from './behavior-types.js';
import { CHAOS_ERRORS, chaosError } from './errors.js';

const TYPES = ['int', 'float', 'bool', 'string'];

/** Check a custom behaviour's shape, so a broken module fails at start with a message, not mid-traffic. */
export function validateBehaviorDefinition(value: unknown, where: string, name?: string): BehaviorDefinition {
  const fail = (why: string) =>
    chaosError(CHAOS_ERRORS.behaviorModule, `${where}: ${why}`, { where, ...(name ? { name } : {}) });
  if (value === null || typeof value !== 'object') throw fail('must export a behavior object (default or `behavior`)');
  const def = value as Record<string, unknown>;
  const options = (def.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || options === null) throw fail('options must be an object');
  for (const [key, spec] of Object.entries(options)) {
    const ok =
      Array.isArray(spec) &&
      spec.length === 3 &&
      typeof spec[0] === 'string' &&
      TYPES.includes(spec[1] as string) &&
      ['number', 'boolean', 'string'].includes(typeof spec[2]);
    if (!ok) throw fail(`option ${key} must be [description, 'int'|'float'|'bool'|'string', default]`);
  }
  for (const hook of ['onRequest', 'onResponse']) {
    if (def[hook] !== undefined && typeof def[hook] !== 'function') throw fail(`${hook} must be a function`);
  }
  const finalName = name ?? def.name;
  if (typeof finalName !== 'string' || !/^[A-Za-z_][\w-]*$/.test(finalName)) {
    throw fail('needs a name (letters, digits, _ or -)');
  }
  return {
    name: finalName,
    description: typeof def.description === 'string' ? def.description : '',
    options: options as Record<string, OptionSpec>,
    ...(typeof def.onRequest === 'function'
      ? { onRequest: def.onRequest as NonNullable<BehaviorDefinition['onRequest']> }
      : {}),
    ...(typeof def.onResponse === 'function'
      ? { onResponse: def.onResponse as NonNullable<BehaviorDefinition['onResponse']> }
      : {}),
  };
}

/**
 * Load a custom behaviour from a module path (Vaurien's `callable`): the module exports the behaviour
 * as `default` or `behavior`; "path.mjs:exportName" picks another export. Relative paths resolve from `baseDir`.
 */
export async function loadBehaviorModule(
  spec: string,
  name: string,
  baseDir = process.cwd(),
): Promise<BehaviorDefinition> {
  const match = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec.trim());
  const path = match?.[1] ?? spec;
  const exportName = match?.[2];
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw chaosError(
      CHAOS_ERRORS.behaviorModule,
      `cannot load behavior ${name} from ${file}: ${(error as Error).message}`,
      { file, name },
      error,
    );
  }
  const value = exportName ? loaded[exportName] : (loaded.default ?? loaded.behavior);
  return validateBehaviorDefinition(value, `behavior module ${file}${exportName ? `:${exportName}` : ''}`, name);
}
