import type { BackendOptions, RouteRule, ShadowProxyOptions } from '@traffic/shadow-proxy';
import { DEFAULT_IGNORE_HEADERS, DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from '@traffic/shadow-proxy';
import { UsageError } from '../errors.js';

/** The flags of `traffic shadow` as commander hands them over (strings; repeatable ones as arrays). */
export interface ShadowFlags {
  listen?: string;
  master?: string;
  backend?: string[];
  noiseMaster?: string;
  config?: string;
  masterTimeout?: string;
  shadowTimeout?: string;
  maxShadowsInFlight?: string;
  maxShadowBody?: string;
  captureBytes?: string;
  shadowMethods?: string;
  allow?: string[];
  markerHeader?: string;
  markerValue?: string;
  loopHeader?: string;
  xForwarded?: boolean;
  shadowHost?: string;
  sampleRate?: string;
  sampleHeader?: string;
  ignoreHeader?: string[];
  ignorePath?: string[];
  arrayKey?: string[];
  maxDifferences?: string;
  diffLog?: string;
  diffLogSampledOut?: boolean;
  redactHeader?: string[];
  redactField?: string[];
  statsInterval?: string;
  maxEndpoints?: string;
  connections?: string;
  keepAliveTimeout?: string;
  closeTimeout?: string;
  accessLog?: boolean;
}

export interface BackendSpec {
  name: string;
  url: string;
  options: BackendOptions;
}

/** Everything `traffic shadow` needs: the proxy options plus its backends and the diff log path. */
export interface ShadowCommandConfig {
  options: ShadowProxyOptions;
  master: BackendSpec;
  backends: BackendSpec[];
  noiseMaster: BackendSpec | undefined;
  /** A file path, "-" for stdout, or undefined for none. */
  diffLog: string | undefined;
}

/** Keys of the JSON config that are not ShadowProxyOptions. */
const CONFIG_ONLY = new Set(['master', 'backends', 'noiseMaster', 'diffLog']);

/**
 * Map flags over a --config object onto shadow proxy options. Flags win; repeatable list flags
 * (ignore-header, redact-header...) add to the defaults. Values are only converted here: the
 * factory validates ranges and names the option in its error.
 */
export function shadowConfigFromFlags(flags: ShadowFlags, file: Record<string, unknown> = {}): ShadowCommandConfig {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) if (!CONFIG_ONLY.has(key)) options[key] = value;

  const masterSource = flags.master ?? file.master;
  if (masterSource === undefined)
    throw new UsageError('--master is required (e.g. --master http://127.0.0.1:9000), or "master" in --config');
  const master = backendSpec(masterSource, 'master', '--master');
  const backends: BackendSpec[] = [];
  const fileBackends = file.backends;
  if (fileBackends !== undefined) {
    if (Array.isArray(fileBackends)) {
      for (const [i, item] of fileBackends.entries()) backends.push(backendSpec(item, `backend${i + 1}`, 'backends'));
    } else if (fileBackends !== null && typeof fileBackends === 'object')
      for (const [name, url] of Object.entries(fileBackends))
        backends.push(backendSpec({ name, url }, name, 'backends'));
    else throw new UsageError('config "backends" must be an object { name: url } or an array of { name, url, host }');
  }
  for (const [i, text] of (flags.backend ?? []).entries())
    backends.push(backendSpec(text, `backend${i + 1}`, '--backend'));
  const noiseSource = flags.noiseMaster ?? file.noiseMaster;
  const noiseMaster = noiseSource === undefined ? undefined : backendSpec(noiseSource, 'noise', '--noise-master');

  if (flags.listen !== undefined) options.listen = flags.listen;
  setNumber(options, 'masterTimeoutMs', flags.masterTimeout);
  setNumber(options, 'shadowTimeoutMs', flags.shadowTimeout);
  setNumber(options, 'maxShadowsInFlight', flags.maxShadowsInFlight);
  setNumber(options, 'maxShadowBodyBytes', flags.maxShadowBody);
  setNumber(options, 'captureBytes', flags.captureBytes);
  if (flags.shadowMethods !== undefined) options.shadowMethods = list(flags.shadowMethods);
  if (flags.allow !== undefined) {
    const fromFile = Array.isArray(options.allowMethods) ? (options.allowMethods as RouteRule[]) : [];
    options.allowMethods = [...fromFile, ...flags.allow.map(routeRule)];
  }
  if (flags.markerHeader !== undefined) options.markerHeader = flags.markerHeader;
  if (flags.markerValue !== undefined) options.markerValue = flags.markerValue;
  if (flags.loopHeader !== undefined) options.loopHeader = flags.loopHeader;
  if (flags.xForwarded === false) options.xForwarded = false;
  if (flags.shadowHost !== undefined) options.shadowHost = flags.shadowHost;
  setNumber(options, 'sampleRate', flags.sampleRate, true);
  if (flags.sampleHeader !== undefined) options.sampleHeader = flags.sampleHeader;
  if (flags.ignoreHeader !== undefined)
    options.ignoreHeaders = [
      ...((options.ignoreHeaders as string[] | undefined) ?? DEFAULT_IGNORE_HEADERS),
      ...flags.ignoreHeader,
    ];
  if (flags.ignorePath !== undefined)
    options.ignorePaths = [...((options.ignorePaths as string[] | undefined) ?? []), ...flags.ignorePath];
  if (flags.arrayKey !== undefined) {
    const keys = { ...((options.arrayKeys as Record<string, string> | undefined) ?? {}) };
    for (const text of flags.arrayKey) {
      const eq = text.lastIndexOf('=');
      if (eq < 0) throw new UsageError(`--array-key ${JSON.stringify(text)}: expected POINTER=FIELD, e.g. /items=id`);
      keys[text.slice(0, eq)] = text.slice(eq + 1);
    }
    options.arrayKeys = keys;
  }
  setNumber(options, 'maxDifferences', flags.maxDifferences);
  if (flags.diffLogSampledOut) options.diffLogSampledOut = true;
  if (flags.redactHeader !== undefined)
    options.redactHeaders = [
      ...((options.redactHeaders as string[] | undefined) ?? DEFAULT_REDACT_HEADERS),
      ...flags.redactHeader,
    ];
  if (flags.redactField !== undefined)
    options.redactFields = [
      ...((options.redactFields as string[] | undefined) ?? DEFAULT_REDACT_FIELDS),
      ...flags.redactField,
    ];
  setNumber(options, 'statsIntervalMs', flags.statsInterval);
  setNumber(options, 'maxEndpoints', flags.maxEndpoints);
  setNumber(options, 'connectionsPerBackend', flags.connections);
  setNumber(options, 'keepAliveTimeoutMs', flags.keepAliveTimeout);
  setNumber(options, 'closeTimeoutMs', flags.closeTimeout);
  if (flags.accessLog) options.accessLog = true;
  if (options.statsIntervalMs === undefined) options.statsIntervalMs = 10_000;
  const diffLog = flags.diffLog ?? (typeof file.diffLog === 'string' ? file.diffLog : undefined);
  return { options: options as ShadowProxyOptions, master, backends, noiseMaster, diffLog };
}

function setNumber(options: Record<string, unknown>, key: string, text: string | undefined, decimal = false): void {
  if (text === undefined) return;
  const valid = decimal ? /^\d+(\.\d+)?$/.test(text) : /^\d+$/.test(text);
  options[key] = valid ? Number(text) : text;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** "POST,PUT:/api/search" → { path: "/api/search", methods: ["POST", "PUT"] }. */
export function routeRule(text: string): RouteRule {
  const colon = text.indexOf(':');
  if (colon <= 0 || text[colon + 1] !== '/')
    throw new UsageError(
      `--allow ${JSON.stringify(text)}: expected METHODS:/path, e.g. POST:/api/search or POST,PUT:/cart`,
    );
  return { path: text.slice(colon + 1), methods: list(text.slice(0, colon)).map((method) => method.toUpperCase()) };
}

/** "url", "name=url" or { name, url, host, timeoutMs } → a backend. */
export function backendSpec(source: unknown, defaultName: string, where: string): BackendSpec {
  if (typeof source === 'string') {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/.exec(source);
    return match
      ? { name: match[1] as string, url: match[2] as string, options: {} }
      : { name: defaultName, url: source, options: {} };
  }
  if (source !== null && typeof source === 'object' && typeof (source as { url?: unknown }).url === 'string') {
    const { name, url, ...rest } = source as { name?: unknown; url: string } & BackendOptions;
    return { name: typeof name === 'string' ? name : defaultName, url, options: rest };
  }
  throw new UsageError(
    `${where}: expected a URL, NAME=URL, or { "name", "url", "host" }, got ${JSON.stringify(source)}`,
  );
}
