import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TrafficError } from '@traffic/core';
import { parse } from 'ini';
import { behaviorRegistry, parseBehaviorSpec, resolveBehaviorOptions } from './behavior-mix.js';
import type { BehaviorDefinition, ProtocolName } from './behavior-types.js';
import { loadBehaviorModule } from './custom-behavior.js';
import { CHAOS_ERRORS, chaosError } from './errors.js';
import { PROTOCOLS } from './protocols/index.js';

/** A Vaurien INI file, checked: `[vaurien]` plus `[behavior:NAME]` / `[handler:NAME]` sections. */
export interface VaurienConfig {
  local?: string;
  distant?: string;
  protocol?: ProtocolName;
  behavior?: string;
  seed?: number;
  api?: string;
  connectTimeoutMs?: number;
  behaviorOptions: Record<string, Record<string, unknown>>;
  customBehaviors: Record<string, BehaviorDefinition>;
}

/** Keys of [vaurien], with Vaurien's own names as aliases (proxy = local, backend = distant). */
const VAURIEN_KEYS: Readonly<Record<string, keyof VaurienConfig>> = Object.freeze({
  local: 'local',
  proxy: 'local',
  distant: 'distant',
  backend: 'distant',
  protocol: 'protocol',
  behavior: 'behavior',
  seed: 'seed',
  api: 'api',
  'connect-timeout': 'connectTimeoutMs',
});

/** Where each section and key is, since the ini package gives values but not lines. */
function lineIndex(text: string): Map<string, number> {
  const index = new Map<string, number>();
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      if (!index.has(`[${section}]`)) index.set(`[${section}]`, i + 1);
      return;
    }
    const key = /^([^=;#]+?)\s*=/.exec(line);
    if (key && !index.has(`${section}\0${key[1]}`)) index.set(`${section}\0${key[1]}`, i + 1);
  });
  return index;
}

/**
 * Parse and check a Vaurien INI text. `path` is used in messages (file, line, key, allowed values)
 * and to resolve `callable` module paths.
 */
export async function parseVaurienIni(text: string, path: string): Promise<VaurienConfig> {
  const lines = lineIndex(text);
  const at = (section: string, key?: string) => {
    const line = lines.get(key === undefined ? `[${section}]` : `${section}\0${key}`);
    return `${path}${line === undefined ? '' : `:${line}`}${key === undefined ? ` [${section}]` : ` [${section}] ${key}`}`;
  };
  const fail = (where: string, message: string, details: Record<string, unknown> = {}) =>
    chaosError(CHAOS_ERRORS.configInvalid, `${where}: ${message}`, { path, ...details });
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw fail(path, `not a valid INI file: ${(error as Error).message}`);
  }
  const config: VaurienConfig = { behaviorOptions: {}, customBehaviors: {} };
  const behaviorSections: [string, string, Record<string, unknown>][] = [];
  for (const [section, body] of Object.entries(data)) {
    if (body === null || typeof body !== 'object') {
      throw fail(
        `${path}:${lines.get(`\0${section}`) ?? '?'}`,
        `key ${section} is outside any section (allowed sections: [vaurien], [behavior:NAME], [handler:NAME])`,
      );
    }
    const match = /^(behavior|handler):([A-Za-z_][\w-]*)$/.exec(section);
    if (section === 'vaurien') continue;
    if (!match) {
      throw fail(at(section), `unknown section (allowed: [vaurien], [behavior:NAME], [handler:NAME])`, { section });
    }
    behaviorSections.push([section, match[2]!, body as Record<string, unknown>]);
  }
  // Custom behaviours first, so the mix and the options can name them.
  for (const [section, name, body] of behaviorSections) {
    if (body.callable === undefined) continue;
    if (typeof body.callable !== 'string' || body.callable === '') {
      throw fail(at(section, 'callable'), 'callable must be a module path, e.g. ./my-behavior.mjs');
    }
    try {
      config.customBehaviors[name] = await loadBehaviorModule(body.callable, name, dirname(path));
    } catch (error) {
      throw fail(at(section, 'callable'), (error as Error).message, { name });
    }
  }
  const registry = behaviorRegistry(config.customBehaviors);
  for (const [section, name, body] of behaviorSections) {
    const definition = registry[name];
    if (definition === undefined) {
      throw fail(
        at(section),
        `unknown behavior ${JSON.stringify(name)} (allowed: ${Object.keys(registry).join(', ')}, or give a callable)`,
      );
    }
    const { callable: _callable, ...options } = body;
    for (const key of Object.keys(options)) {
      try {
        resolveBehaviorOptions(definition, { [key]: options[key] }, at(section, key));
      } catch (error) {
        throw new TrafficError(CHAOS_ERRORS.configInvalid, (error as Error).message, {
          details: { path, section, key },
        });
      }
    }
    config.behaviorOptions[name] = { ...config.behaviorOptions[name], ...options };
  }
  const vaurien = (data.vaurien ?? {}) as Record<string, unknown>;
  for (const [key, raw] of Object.entries(vaurien)) {
    const field = VAURIEN_KEYS[key];
    if (field === undefined) {
      throw fail(at('vaurien', key), `unknown key (allowed: ${Object.keys(VAURIEN_KEYS).join(', ')})`, { key });
    }
    const value = typeof raw === 'string' ? raw.trim() : String(raw);
    switch (field) {
      case 'protocol':
        if (!(PROTOCOLS as readonly string[]).includes(value)) {
          throw fail(at('vaurien', key), `protocol ${JSON.stringify(value)} (allowed: ${PROTOCOLS.join(', ')})`);
        }
        config.protocol = value as ProtocolName;
        break;
      case 'behavior':
        try {
          parseBehaviorSpec(value, Object.keys(registry), at('vaurien', key));
        } catch (error) {
          throw new TrafficError(CHAOS_ERRORS.configInvalid, (error as Error).message, { details: { path, key } });
        }
        config.behavior = value;
        break;
      case 'seed':
      case 'connectTimeoutMs': {
        const number = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || (field === 'seed' && number > 0xffff_ffff)) {
          throw fail(
            at('vaurien', key),
            `${JSON.stringify(value)} (allowed: an integer${field === 'seed' ? ' from 0 to 4294967295' : ' of milliseconds ≥ 1'})`,
          );
        }
        config[field] = number;
        break;
      }
      default:
        config[field as 'local' | 'distant' | 'api'] = value;
    }
  }
  return config;
}

export async function readVaurienIni(path: string): Promise<VaurienConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw chaosError(
      CHAOS_ERRORS.configInvalid,
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { path },
      error,
    );
  }
  return parseVaurienIni(text, path);
}
