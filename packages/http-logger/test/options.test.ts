import { describe, expect, it } from 'vitest';
import { createHttpLogger, isValidRequestId, isValidTraceparent, redactUrl, requestLogger } from '../src/index.js';

const invalid = expect.objectContaining({ code: 'TRAFFIC_ERR_OPTION_INVALID' });

describe('options', () => {
  it('reject unknown and malformed options with the option name', () => {
    expect(() => createHttpLogger({ stdut: false } as never)).toThrow(invalid);
    expect(() => createHttpLogger({ stdout: false, fields: ['status', 'cookie'] as never })).toThrow(/fields/);
    expect(() => createHttpLogger({ stdout: false, maxIdLength: 500 })).toThrow(/maxIdLength/);
    expect(() => createHttpLogger({ stdout: false, requestIdHeader: 'bad header' })).toThrow(/requestIdHeader/);
    expect(() => createHttpLogger({ stdout: false, extraFields: { status: 1 } })).toThrow(/extraFields\.status/);
    expect(() => createHttpLogger({ stdout: false, extraFields: { n: 1n } })).toThrow(/JSON/);
    expect(() => createHttpLogger({ sink: 42 as never })).toThrow(invalid);
    expect(() => requestLogger({ stdout: false, countersPath: 'no-slash' })).toThrow(/countersPath/);
    expect(() => createHttpLogger({ stdout: false, redactQuery: 'token' as never })).toThrow(/redactQuery/);
  });

  it('request ids: bounded length, safe charset', () => {
    expect(isValidRequestId('0f8c7a52-7b8e-4a7b-9a51-3f1d5f6f9c10')).toBe(true);
    expect(isValidRequestId('Root=1-5759e988-bd862e3fe1be46a994272793')).toBe(true);
    expect(isValidRequestId('x'.repeat(128))).toBe(true);
    expect(isValidRequestId('x'.repeat(129))).toBe(false);
    expect(isValidRequestId('')).toBe(false);
    expect(isValidRequestId('a\r\nb')).toBe(false);
    expect(isValidRequestId('a b')).toBe(false);
    expect(isValidRequestId('a"b')).toBe(false);
    expect(isValidRequestId(['a', 'b'])).toBe(false);
  });

  it('traceparent validation follows W3C rules', () => {
    expect(isValidTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(true);
    expect(isValidTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')).toBe(false);
    expect(isValidTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')).toBe(true);
    expect(isValidTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(false);
    expect(isValidTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01')).toBe(false);
    expect(isValidTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBe(false);
  });

  it('redaction keeps unrelated bytes, handles fragments, encoded names and userinfo', () => {
    const names = new Set(['token', 'password']);
    expect(redactUrl('/a?b=1&c', names)).toBe('/a?b=1&c');
    expect(redactUrl('/a?to%6Ben=x&b=2#frag', names)).toBe('/a?to%6Ben=[REDACTED]&b=2#frag');
    expect(redactUrl('/a?token', names)).toBe('/a?token=[REDACTED]');
    expect(redactUrl('http://user:pw@host/p?password=1', names)).toBe('http://user@host/p?password=[REDACTED]');
    expect(redactUrl('/a?%zz=1', names)).toBe('/a?%zz=1');
  });
});
