import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '@traffic/core';
import { GorMessage } from './message.js';
import { createMiddleware } from './middleware.js';
import { parseHexHeader } from './protocol.js';

/**
 * A worker thread of the pool: loads the user's module, hands its default export a gor instance,
 * then handles the lines it is sent one after another (so per-ID order holds) and answers with
 * the output line. Logs travel to the main thread's logger.
 */
const port = parentPort;
if (port === null) throw new Error('worker-entry.js runs as a worker thread only');
const data = workerData as { module: string; options: Record<string, unknown> };

const log =
  (level: 'warn' | 'error' | 'info' | 'debug') =>
  (fieldsOrMsg: object | string, msg?: string): void => {
    const fields = typeof fieldsOrMsg === 'string' ? {} : { ...fieldsOrMsg };
    for (const [key, value] of Object.entries(fields)) {
      if (value instanceof Error)
        (fields as Record<string, unknown>)[key] = { message: value.message, stack: value.stack };
    }
    port.postMessage({ type: 'log', level, fields, msg: typeof fieldsOrMsg === 'string' ? fieldsOrMsg : (msg ?? '') });
  };
const logger: Logger = {
  level: 'debug',
  trace: () => {},
  debug: log('debug'),
  info: log('info'),
  warn: log('warn'),
  error: log('error'),
  fatal: log('error'),
  child: () => logger,
  isLevelEnabled: () => true,
};

const gor = createMiddleware({ ...data.options, logger });
try {
  const loaded = (await import(data.module)) as { default?: unknown };
  if (typeof loaded.default !== 'function') throw new Error('the module has no default export function (gor) => {...}');
  await (loaded.default as (g: typeof gor) => unknown)(gor);
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'setup-error', message: (error as Error).message });
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (message: { type: string; seq: number; line: Uint8Array; lineNumber: number }) => {
  if (message.type === 'close') {
    chain = chain.then(() => {
      port.postMessage({ type: 'stats', stats: gor.stats });
      port.close();
    });
    return;
  }
  chain = chain.then(async () => {
    const line = Buffer.from(message.line.buffer, message.line.byteOffset, message.line.length);
    const header = parseHexHeader(line, 0, line.length);
    if (typeof header === 'string') {
      port.postMessage({ type: 'reply', seq: message.seq, out: null, outcome: 'error' });
      return;
    }
    const msg = new GorMessage(header.fields, { line, start: header.payloadStart, end: line.length });
    msg.lineNumber = message.lineNumber;
    const reply = await gor.processMessage(msg, () => Buffer.concat([line, Buffer.from('\n')]));
    port.postMessage({ type: 'reply', seq: message.seq, out: reply.out, outcome: reply.outcome });
  });
});
