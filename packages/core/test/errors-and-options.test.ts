import {
  booleanOption,
  describeValue,
  functionOption,
  hostPortOption,
  InvalidOptionError,
  integerOption,
  isTrafficError,
  numberOption,
  oneOfOption,
  rejectUnknownOptions,
  stringOption,
  TrafficError,
  toError,
  urlOption,
} from '@traffic/core';
import { describe, expect, it } from 'vitest';

function thrown(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    return error as InvalidOptionError;
  }
  throw new Error('expected a throw');
}

describe('TrafficError', () => {
  it('carries a code, a cause and frozen details', () => {
    const cause = new Error('low level');
    const error = new TrafficError('TRAFFIC_ERR_HTTP_DECODE_FAILED', 'cannot decode', {
      cause,
      details: { coding: 'gzip' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TrafficError');
    expect(error.code).toBe('TRAFFIC_ERR_HTTP_DECODE_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ coding: 'gzip' });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(new TrafficError('TRAFFIC_ERR_CLI_USAGE', 'x').details).toEqual({});
    expect('cause' in new TrafficError('TRAFFIC_ERR_CLI_USAGE', 'x')).toBe(false);
  });

  it('isTrafficError tells coded errors apart', () => {
    expect(isTrafficError(new TrafficError('TRAFFIC_ERR_CLI_USAGE', 'x'))).toBe(true);
    expect(isTrafficError(new InvalidOptionError('a', 1, 'b'))).toBe(true);
    expect(isTrafficError(new Error('x'))).toBe(false);
    expect(isTrafficError({ code: 'TRAFFIC_ERR_CLI_USAGE' })).toBe(false);
  });

  it('InvalidOptionError names the option, the value and what is allowed', () => {
    const error = new InvalidOptionError('timeoutMs', -5, 'an integer from 1 to 60000');
    expect(error).toBeInstanceOf(TrafficError);
    expect(error.name).toBe('InvalidOptionError');
    expect(error.code).toBe('TRAFFIC_ERR_OPTION_INVALID');
    expect(error.option).toBe('timeoutMs');
    expect(error.message).toBe('invalid option timeoutMs: -5 (allowed: an integer from 1 to 60000)');
    expect(error.details).toEqual({ option: 'timeoutMs', value: '-5', allowed: 'an integer from 1 to 60000' });
  });

  it('describeValue renders any value short and safe', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(200))).toHaveLength(82);
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue([1, 2, 3])).toBe('array(3)');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    expect(describeValue({ long: 'y'.repeat(200) })).toHaveLength(80);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeValue(circular)).toBe('[object Object]');
  });

  it('toError keeps Errors and wraps anything else', () => {
    const error = new TrafficError('TRAFFIC_ERR_CLI_USAGE', 'x');
    expect(toError(error)).toBe(error);
    expect(toError('text').message).toBe('text');
    expect(toError({ a: 1 }).message).toBe('{"a":1}');
    expect(toError(undefined)).toBeInstanceOf(Error);
  });
});

describe('option validators', () => {
  it('integerOption accepts integers in range only', () => {
    expect(integerOption('n', 5, 1, 10)).toBe(5);
    expect(integerOption('n', 0, 0)).toBe(0);
    for (const value of [0, 11, 1.5, '5', Number.NaN, undefined]) {
      const error = thrown(() => integerOption('n', value, 1, 10));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error.message).toContain('an integer from 1 to 10');
    }
  });

  it('numberOption accepts finite numbers in range, rejects NaN and strings', () => {
    expect(numberOption('ratio', 0.5, 0, 1)).toBe(0.5);
    for (const value of [-0.1, 1.1, Number.NaN, '0.5', Number.POSITIVE_INFINITY]) {
      expect(thrown(() => numberOption('ratio', value, 0, 1)).option).toBe('ratio');
    }
  });

  it('booleanOption, stringOption, oneOfOption and functionOption check their type', () => {
    expect(booleanOption('b', false)).toBe(false);
    expect(thrown(() => booleanOption('b', 'true')).message).toContain('true or false');
    expect(stringOption('s', 'abc')).toBe('abc');
    expect(stringOption('s', 'abc', /^a/)).toBe('abc');
    expect(thrown(() => stringOption('s', 'xbc', /^a/)).message).toContain('a string matching /^a/');
    expect(thrown(() => stringOption('s', 'xbc', /^a/, 'a name starting with a')).message).toContain(
      'a name starting with a',
    );
    expect(thrown(() => stringOption('s', 3)).message).toContain('a string');
    expect(oneOfOption('mode', 'b', ['a', 'b'] as const)).toBe('b');
    expect(thrown(() => oneOfOption('mode', 'c', ['a', 'b'])).message).toContain('one of a, b');
    const fn = () => 1;
    expect(functionOption('fn', fn)).toBe(fn);
    expect(thrown(() => functionOption('fn', {})).message).toContain('a function');
  });

  it('urlOption returns a URL for http(s) and names the problem otherwise', () => {
    expect(urlOption('target', 'http://127.0.0.1:9000/x').port).toBe('9000');
    expect(urlOption('target', new URL('https://[::1]/')).hostname).toBe('[::1]');
    expect(urlOption('target', 'tcp://a:1', ['tcp:']).protocol).toBe('tcp:');
    for (const value of ['not a url', 'ftp://a/', '/relative', 42]) {
      expect(thrown(() => urlOption('target', value)).message).toContain('an absolute URL (http: or https:)');
    }
  });

  it('hostPortOption parses host:port, [v6]:port, :port and a bare port (loopback by default)', () => {
    expect(hostPortOption('listen', '0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(hostPortOption('listen', 'localhost:1')).toEqual({ host: 'localhost', port: 1 });
    expect(hostPortOption('listen', '[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(hostPortOption('listen', ':8000')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(hostPortOption('listen', '8000')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(hostPortOption('listen', 0)).toEqual({ host: '127.0.0.1', port: 0 });
    expect(hostPortOption('listen', '7', '::1')).toEqual({ host: '::1', port: 7 });
    for (const value of ['a:65536', 'a:b', '', 'a:1:2', 'host', '::1:80', undefined]) {
      expect(thrown(() => hostPortOption('listen', value)).option, String(value)).toBe('listen');
    }
  });

  it('rejectUnknownOptions names the unknown key and lists the known ones', () => {
    const DEFAULTS = Object.freeze({ timeoutMs: 1000, retries: 1 });
    expect(() => rejectUnknownOptions('createX', { retries: 2 }, DEFAULTS)).not.toThrow();
    const error = thrown(() => rejectUnknownOptions('createX', { timeoutMS: 5 }, DEFAULTS));
    expect(error.option).toBe('createX.timeoutMS');
    expect(error.message).toContain('known options: timeoutMs, retries');
  });
});
