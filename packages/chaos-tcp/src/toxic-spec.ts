import { describeValue } from '@traffic/core';
import { CHAOS_ERRORS, chaosError } from './errors.js';

/**
 * Toxiproxy's toxics: their attributes, defaults and limits. Every attribute is validated here, once,
 * so a bad value is a 400 with a message instead of a crash (negative bandwidth) or a silent stall
 * (bandwidth rate 0).
 */
export type ToxicType = 'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data';
export type Stream = 'upstream' | 'downstream';

interface AttributeSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly unit: string;
}

const DAY_MS = 86_400_000;
const ms = (def: number, min = 0): AttributeSpec => ({ default: def, min, max: DAY_MS, integer: false, unit: 'ms' });

export const TOXIC_ATTRIBUTES: Readonly<Record<ToxicType, Readonly<Record<string, AttributeSpec>>>> = Object.freeze({
  latency: { latency: ms(0), jitter: ms(0) },
  // rate 0 would stall every byte forever: rejected (Toxiproxy stalls).
  bandwidth: { rate: { default: Number.NaN, min: 1, max: 10_000_000, integer: true, unit: 'KB/s' } },
  slow_close: { delay: ms(0) },
  timeout: { timeout: ms(0) },
  reset_peer: { timeout: ms(0) },
  slicer: {
    average_size: { default: Number.NaN, min: 1, max: 16 * 1024 * 1024, integer: true, unit: 'bytes' },
    size_variation: { default: 0, min: 0, max: 16 * 1024 * 1024, integer: true, unit: 'bytes' },
    delay: { default: 0, min: 0, max: DAY_MS * 1000, integer: false, unit: 'µs' },
  },
  limit_data: { bytes: { default: Number.NaN, min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, unit: 'bytes' } },
});

export const TOXIC_TYPES = Object.freeze(Object.keys(TOXIC_ATTRIBUTES) as ToxicType[]);
export const STREAMS: readonly Stream[] = Object.freeze(['upstream', 'downstream']);

export interface ToxicJson {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

function invalid(message: string, details: Record<string, unknown>) {
  return chaosError(CHAOS_ERRORS.invalidToxic, message, details);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkAttribute(type: ToxicType, key: string, value: unknown): number {
  const spec = TOXIC_ATTRIBUTES[type][key];
  if (spec === undefined) {
    throw invalid(
      `toxic ${type}: unknown attribute ${JSON.stringify(key)} (allowed: ${Object.keys(TOXIC_ATTRIBUTES[type]).join(', ')})`,
      { type, attribute: key },
    );
  }
  const allowed = `${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max} (${spec.unit})`;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
    throw invalid(`toxic ${type}: attribute ${key} is ${describeValue(value)} (allowed: ${allowed})`, {
      type,
      attribute: key,
      value: describeValue(value),
      allowed,
    });
  }
  if (spec.integer && !Number.isInteger(value)) {
    throw invalid(`toxic ${type}: attribute ${key} is ${value} (allowed: ${allowed})`, { type, attribute: key });
  }
  return value;
}

/** Check attributes (merged over `base`) and return the complete, frozen set. */
export function validateAttributes(
  type: ToxicType,
  given: unknown,
  base?: Readonly<Record<string, number>>,
): Record<string, number> {
  if (given !== undefined && given !== null && !isRecord(given)) {
    throw invalid(`toxic ${type}: attributes must be a JSON object, got ${describeValue(given)}`, { type });
  }
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(TOXIC_ATTRIBUTES[type])) out[key] = base?.[key] ?? spec.default;
  for (const [key, value] of Object.entries(given ?? {})) out[key] = checkAttribute(type, key, value);
  for (const [key, value] of Object.entries(out)) {
    if (Number.isNaN(value)) {
      const spec = TOXIC_ATTRIBUTES[type][key]!;
      throw invalid(`toxic ${type}: attribute ${key} is required (${spec.unit}, at least ${spec.min})`, {
        type,
        attribute: key,
      });
    }
  }
  if (type === 'slicer' && (out.size_variation ?? 0) >= (out.average_size ?? 1)) {
    throw invalid(
      `toxic slicer: size_variation ${out.size_variation} must be smaller than average_size ${out.average_size}`,
      { type },
    );
  }
  return Object.freeze(out) as Record<string, number>;
}

export function validateToxicity(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalid(`toxicity is ${describeValue(value)} (allowed: a number from 0 to 1)`, {
      value: describeValue(value),
    });
  }
  return value;
}

/** Validate a Toxiproxy "create toxic" body; fills Toxiproxy's defaults (downstream, toxicity 1, name type_stream). */
export function parseToxicJson(body: unknown): ToxicJson {
  if (!isRecord(body)) throw invalid(`toxic must be a JSON object, got ${describeValue(body)}`, {});
  for (const key of Object.keys(body)) {
    if (!['name', 'type', 'stream', 'toxicity', 'attributes'].includes(key)) {
      throw invalid(`toxic: unknown field ${JSON.stringify(key)} (allowed: name, type, stream, toxicity, attributes)`, {
        field: key,
      });
    }
  }
  const type = body.type;
  if (typeof type !== 'string' || !(TOXIC_TYPES as readonly string[]).includes(type)) {
    throw invalid(`invalid toxic type ${describeValue(type)} (allowed: ${TOXIC_TYPES.join(', ')})`, {
      value: describeValue(type),
    });
  }
  const stream = body.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') {
    throw invalid(`stream was invalid: ${describeValue(stream)} (allowed: upstream, downstream)`, {
      value: describeValue(stream),
    });
  }
  const name = body.name ?? `${type}_${stream}`;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 || name.includes('/')) {
    throw invalid(`toxic name ${describeValue(name)} is invalid (allowed: a non-empty string without "/")`, {});
  }
  const toxicity = validateToxicity(body.toxicity ?? 1);
  const attributes = validateAttributes(type as ToxicType, body.attributes);
  return { name, type: type as ToxicType, stream, toxicity, attributes };
}

let nextToxicId = 1;

/** A live toxic of a proxy. Updates change attributes in place; connections keep their toxicity decision. */
export class Toxic {
  readonly id = nextToxicId++;
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: Stream;
  toxicity: number;
  attributes: Readonly<Record<string, number>>;
  removed = false;
  readonly #removedWaiters = new Set<() => void>();

  constructor(json: ToxicJson) {
    this.name = json.name;
    this.type = json.type;
    this.stream = json.stream;
    this.toxicity = json.toxicity;
    this.attributes = json.attributes;
  }

  /** Apply a Toxiproxy "update toxic" body: attributes merge over the current ones. */
  update(body: unknown): void {
    if (!isRecord(body)) throw invalid(`toxic update must be a JSON object, got ${describeValue(body)}`, {});
    for (const key of ['type', 'stream', 'name'] as const) {
      if (body[key] !== undefined && body[key] !== this[key]) {
        throw invalid(`toxic ${this.name}: ${key} cannot be changed (delete and re-create the toxic)`, { field: key });
      }
    }
    const toxicity = body.toxicity === undefined ? this.toxicity : validateToxicity(body.toxicity);
    const attributes = validateAttributes(this.type, body.attributes, this.attributes);
    this.toxicity = toxicity;
    this.attributes = attributes;
  }

  markRemoved(): void {
    this.removed = true;
    for (const wake of this.#removedWaiters) wake();
    this.#removedWaiters.clear();
  }

  /** Call `wake` when the toxic is removed; returns an unsubscribe. */
  onRemoved(wake: () => void): () => void {
    if (this.removed) {
      wake();
      return () => {};
    }
    this.#removedWaiters.add(wake);
    return () => this.#removedWaiters.delete(wake);
  }

  toJSON(): ToxicJson {
    return {
      name: this.name,
      type: this.type,
      stream: this.stream,
      toxicity: this.toxicity,
      attributes: { ...this.attributes },
    };
  }
}
