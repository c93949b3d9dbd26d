import type { TrafficError } from '@traffic/core';
import { createLogger, LOG_LEVELS, noopLogger } from '@traffic/core';
import { NdjsonCollector } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';

function lines() {
  const written: string[] = [];
  return { written, destination: { write: (chunk: string) => written.push(chunk) } };
}

describe('noopLogger', () => {
  it('is silent, frozen and its child is itself', () => {
    expect(noopLogger.level).toBe('silent');
    expect(noopLogger.isLevelEnabled('fatal')).toBe(false);
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
    expect(() => noopLogger.error({ err: new Error('x') }, 'ignored')).not.toThrow();
    expect(Object.isFrozen(noopLogger)).toBe(true);
  });
});

describe('createLogger', () => {
  it('writes one NDJSON line per record with level, time, bindings, fields and msg', () => {
    const sink = new NdjsonCollector();
    const logger = createLogger({ destination: sink, bindings: { app: 'test' } });
    logger.info({ port: 8080 }, 'listening');
    logger.warn('plain message');
    expect(sink.invalidLines).toEqual([]);
    expect(sink.records).toHaveLength(2);
    expect(sink.records[0]).toMatchObject({ level: 'info', app: 'test', port: 8080, msg: 'listening' });
    expect(new Date(sink.records[0]?.time as string).toISOString()).toBe(sink.records[0]?.time);
    expect(sink.records[1]).toMatchObject({ level: 'warn', msg: 'plain message' });
  });

  it('filters below the level; isLevelEnabled agrees; silent writes nothing', () => {
    const { written, destination } = lines();
    const logger = createLogger({ level: 'warn', destination });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(written.map((line) => JSON.parse(line).level)).toEqual(['warn', 'error', 'fatal']);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('error')).toBe(true);
    const silent = lines();
    const quiet = createLogger({ level: 'silent', destination: silent.destination });
    for (const level of LOG_LEVELS) if (level !== 'silent') quiet[level]('x');
    expect(silent.written).toEqual([]);
  });

  it('child() merges bindings without changing the parent', () => {
    const sink = new NdjsonCollector();
    const parent = createLogger({ destination: sink, bindings: { a: 1 } });
    parent.child({ b: 2 }).child({ a: 3 }).info('child');
    parent.info('parent');
    expect(sink.records[0]).toMatchObject({ a: 3, b: 2, msg: 'child' });
    expect(sink.records[1]).not.toHaveProperty('b');
    expect(parent.child({}).level).toBe('info');
  });

  it('serializes errors with type, message, code and stack, and bigints as strings', () => {
    const sink = new NdjsonCollector();
    const error = Object.assign(new Error('bad thing'), { code: 'E_X' });
    createLogger({ destination: sink }).error({ err: error, bytes: 10n }, 'failed');
    expect(sink.records[0]).toMatchObject({
      err: { type: 'Error', message: 'bad thing', code: 'E_X' },
      bytes: '10',
    });
    expect(JSON.stringify(sink.records[0]?.err)).toContain('bad thing');
  });

  it('never throws on fields it cannot serialize', () => {
    const { written, destination } = lines();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    createLogger({ destination }).info({ circular }, 'still logged');
    expect(JSON.parse(written[0] ?? '')).toMatchObject({ msg: 'still logged', note: 'fields were not serializable' });
  });

  it('pretty format: time, padded level, message, then key=value pairs', () => {
    const { written, destination } = lines();
    const logger = createLogger({ format: 'pretty', destination, bindings: { tool: 'shadow' } });
    logger.info({ port: 80, obj: { a: 1 }, err: Object.assign(new Error('oops'), { code: 'E1' }) }, 'up');
    expect(written[0]).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}up tool=shadow port=80 obj=\{ a: 1 \} err=oops \(E1\)\n$/,
    );
    logger.warn('bare');
    expect(written[1]).toMatch(/ WARN {2}bare tool=shadow\n$/);
  });

  it('rejects an unknown level or format with InvalidOptionError', () => {
    for (const options of [{ level: 'verbose' }, { format: 'xml' }]) {
      try {
        createLogger(options as never);
        expect.unreachable();
      } catch (error) {
        expect((error as TrafficError).code).toBe('TRAFFIC_ERR_OPTION_INVALID');
      }
    }
  });
});
