import { connectionHeaderNames, HOP_BY_HOP_HEADERS, isHopByHop, stripHopByHop, stripHopByHopRaw } from '@traffic/core';
import { describe, expect, it } from 'vitest';

describe('hop-by-hop headers', () => {
  it('lists the RFC 9110 §7.6.1 fields and the legacy ones proxies also drop', () => {
    for (const name of ['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']) {
      expect(HOP_BY_HOP_HEADERS.has(name)).toBe(true);
    }
    expect(HOP_BY_HOP_HEADERS.has('content-length')).toBe(false);
  });

  it('connectionHeaderNames splits, trims and lower-cases one or many Connection values', () => {
    expect([...connectionHeaderNames('close, X-Trace ,,Keep-Alive')]).toEqual(['close', 'x-trace', 'keep-alive']);
    expect([...connectionHeaderNames(['a', 'B, c'])]).toEqual(['a', 'b', 'c']);
    expect(connectionHeaderNames(undefined).size).toBe(0);
  });

  it('isHopByHop is case-insensitive and includes Connection-named headers', () => {
    expect(isHopByHop('Transfer-Encoding')).toBe(true);
    expect(isHopByHop('X-Trace')).toBe(false);
    expect(isHopByHop('X-Trace', new Set(['x-trace']))).toBe(true);
  });

  it('stripHopByHopRaw keeps end-to-end headers with their case, order and duplicates', () => {
    const raw = [
      'Host',
      'a',
      'Connection',
      'keep-alive, X-Secret',
      'Set-Cookie',
      '1',
      'x-secret',
      'hidden',
      'TE',
      'trailers',
      'set-cookie',
      '2',
      'CONNECTION',
      'X-Other',
      'X-Other',
      'gone',
    ];
    expect(stripHopByHopRaw(raw)).toEqual(['Host', 'a', 'Set-Cookie', '1', 'set-cookie', '2']);
    expect(stripHopByHopRaw([])).toEqual([]);
  });

  it('stripHopByHop filters a headers object, whatever the Connection spelling', () => {
    expect(
      stripHopByHop({
        host: 'a',
        connection: 'x-a',
        'x-a': '1',
        'keep-alive': 'timeout=5',
        'set-cookie': ['1', '2'],
        'x-b': undefined,
      }),
    ).toEqual({ host: 'a', 'set-cookie': ['1', '2'] });
    expect(stripHopByHop({ Connection: ['X-A', 'x-b'], 'X-A': '1', 'x-b': '2', 'X-C': '3' })).toEqual({ 'X-C': '3' });
    expect(stripHopByHop({ CONNECTION: 'x-a', 'x-a': '1', ok: '2' })).toEqual({ ok: '2' });
  });
});
