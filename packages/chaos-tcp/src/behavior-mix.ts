import { describeValue } from '@traffic/core';
import type { BehaviorDefinition, OptionSpec, OptionValue } from './behavior-types.js';
import { BUILTIN_BEHAVIORS } from './builtin-behaviors.js';
import { CHAOS_ERRORS, chaosError } from './errors.js';
import type { Prng } from './prng.js';

export interface MixEntry {
  readonly name: string;
  /** Percent of calls, 0 to 100. */
  readonly weight: number;
  readonly definition: BehaviorDefinition;
  readonly options: Readonly<Record<string, OptionValue>>;
}

function invalid(message: string, details: Record<string, unknown> = {}) {
  return chaosError(CHAOS_ERRORS.invalidBehavior, message, details);
}

/** Turn a flag/INI/JSON value into the option's declared type; `where` names the flag or file line. */
export function coerceOption(
  behavior: string,
  key: string,
  spec: OptionSpec,
  raw: unknown,
  where: string,
): OptionValue {
  const [, type] = spec;
  const fail = (allowed: string) =>
    invalid(`${where}: behavior ${behavior} option ${key} is ${describeValue(raw)} (allowed: ${allowed})`, {
      behavior,
      option: key,
      value: describeValue(raw),
      allowed,
    });
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (type) {
    case 'int': {
      const value = typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : text;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw fail('an integer ≥ 0');
      return value;
    }
    case 'float': {
      const value = typeof text === 'string' && text !== '' ? Number(text) : text;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400) {
        throw fail('a number from 0 to 86400');
      }
      return value;
    }
    case 'bool': {
      if (typeof text === 'boolean') return text;
      const lower = typeof text === 'string' ? text.toLowerCase() : '';
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      throw fail('true or false');
    }
    case 'string':
      if (typeof text !== 'string' && typeof text !== 'number') throw fail('a string');
      return String(text);
  }
}

/** Options for one behaviour: declared defaults, overridden by `given`; unknown keys are errors. */
export function resolveBehaviorOptions(
  definition: BehaviorDefinition,
  given: Readonly<Record<string, unknown>> = {},
  where = 'behavior options',
): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const [key, spec] of Object.entries(definition.options)) out[key] = spec[2];
  for (const [key, raw] of Object.entries(given)) {
    const spec = definition.options[key];
    if (spec === undefined) {
      const known = Object.keys(definition.options);
      throw invalid(
        `${where}: behavior ${definition.name} has no option ${JSON.stringify(key)} (allowed: ${known.length > 0 ? known.join(', ') : 'none'})`,
        { behavior: definition.name, option: key },
      );
    }
    out[key] = coerceOption(definition.name, key, spec, raw, where);
  }
  return out;
}

/** Parse "20:delay,10:error" (a bare name means 100). Weights are percents; their sum may not pass 100. */
export function parseBehaviorSpec(
  text: string,
  known: readonly string[],
  where = '--behavior',
): { name: string; weight: number }[] {
  const out: { name: string; weight: number }[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return out;
  for (const part of trimmed.split(',')) {
    const match = /^\s*(?:(\d+(?:\.\d+)?)\s*:)?\s*([A-Za-z_][\w-]*)\s*$/.exec(part);
    if (!match) {
      throw invalid(`${where}: ${JSON.stringify(part)} is not WEIGHT:NAME (e.g. 20:delay,10:error)`, { part });
    }
    const weight = match[1] === undefined ? 100 : Number(match[1]);
    const name = match[2]!;
    if (!known.includes(name)) {
      throw invalid(`${where}: unknown behavior ${JSON.stringify(name)} (allowed: ${known.join(', ')})`, { name });
    }
    if (out.some((entry) => entry.name === name)) throw invalid(`${where}: behavior ${name} is listed twice`, { name });
    out.push({ name, weight });
  }
  const total = out.reduce((sum, entry) => sum + entry.weight, 0);
  if (total > 100) {
    throw invalid(`${where}: weights add up to ${total}; they are percents and may not exceed 100`, { total });
  }
  return out;
}

/** The weighted mix of a proxy. The part of 100 not given to a behaviour goes to dummy. */
export class BehaviorMix {
  readonly entries: readonly MixEntry[];
  /** True when every call is dummy: the engine then skips behaviour work entirely. */
  readonly passive: boolean;
  readonly #dummy: MixEntry;

  constructor(entries: readonly MixEntry[], dummy: MixEntry) {
    this.entries = entries;
    this.#dummy = dummy;
    this.passive = entries.every((entry) => entry.weight === 0 || entry.name === 'dummy');
  }

  /** The one decision function: real connections and the weight tests both call it. */
  pick(rng: Prng): MixEntry {
    if (this.passive) return this.#dummy;
    let roll = rng.next() * 100;
    for (const entry of this.entries) {
      if (roll < entry.weight) return entry;
      roll -= entry.weight;
    }
    return this.#dummy;
  }

  toString(): string {
    return this.entries.map((entry) => `${entry.weight}:${entry.name}`).join(',');
  }

  toJSON() {
    return {
      behavior: this.toString(),
      behaviors: this.entries.map((entry) => ({ name: entry.name, weight: entry.weight, options: entry.options })),
    };
  }
}

export interface MixSettings {
  /** "20:delay,10:error", or already split. */
  behavior?: string | readonly { name: string; weight: number }[];
  /** Options per behaviour name, e.g. { delay: { sleep: 2 } }. */
  behaviorOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Custom behaviours by name. */
  customBehaviors?: Readonly<Record<string, BehaviorDefinition>>;
}

export function behaviorRegistry(custom: Readonly<Record<string, BehaviorDefinition>> = {}) {
  return { ...BUILTIN_BEHAVIORS, ...custom } as Readonly<Record<string, BehaviorDefinition>>;
}

export function createBehaviorMix(settings: MixSettings, where = '--behavior'): BehaviorMix {
  const registry = behaviorRegistry(settings.customBehaviors);
  const known = Object.keys(registry);
  const spec =
    typeof settings.behavior === 'string' || settings.behavior === undefined
      ? parseBehaviorSpec(settings.behavior ?? '', known, where)
      : parseBehaviorSpec(settings.behavior.map((entry) => `${entry.weight}:${entry.name}`).join(','), known, where);
  for (const name of Object.keys(settings.behaviorOptions ?? {})) {
    if (!known.includes(name)) {
      throw invalid(`options given for unknown behavior ${JSON.stringify(name)} (allowed: ${known.join(', ')})`, {
        name,
      });
    }
  }
  // Options are checked even for behaviours not in the mix: a typo never waits for a later mix change.
  for (const name of Object.keys(settings.behaviorOptions ?? {})) {
    resolveBehaviorOptions(registry[name]!, settings.behaviorOptions?.[name], `options of behavior ${name}`);
  }
  const optionsOf = (name: string) =>
    resolveBehaviorOptions(registry[name]!, settings.behaviorOptions?.[name], `options of behavior ${name}`);
  const entries = spec.map(
    ({ name, weight }): MixEntry => ({ name, weight, definition: registry[name]!, options: optionsOf(name) }),
  );
  const dummy: MixEntry = { name: 'dummy', weight: 0, definition: registry.dummy!, options: {} };
  return new BehaviorMix(entries, dummy);
}
