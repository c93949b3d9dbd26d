import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { hostForUrl, listenOn } from '@traffic/core';
import { describe, expect, it } from 'vitest';

describe('listenOn', () => {
  it('resolves the bound port for port 0 and an http URL that reaches the server', async () => {
    const server = createHttpServer((_req, res) => res.end('up'));
    try {
      const bound = await listenOn(server, { host: '127.0.0.1', port: 0 });
      expect(bound.port).toBeGreaterThan(0);
      expect(bound).toEqual({ host: '127.0.0.1', port: bound.port, url: `http://127.0.0.1:${bound.port}` });
      expect(await (await fetch(bound.url)).text()).toBe('up');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects with EADDRINUSE when the port is taken, instead of emitting an error later', async () => {
    const first = createServer();
    const second = createServer();
    try {
      const { port } = await listenOn(first, { host: '127.0.0.1', port: 0 });
      await expect(listenOn(second, { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(second.listening).toBe(false);
    } finally {
      await new Promise<void>((resolve) => first.close(() => resolve()));
    }
  });

  it('brackets IPv6 hosts in URLs only', () => {
    expect(hostForUrl('::1')).toBe('[::1]');
    expect(hostForUrl('[::1]')).toBe('[::1]');
    expect(hostForUrl('127.0.0.1')).toBe('127.0.0.1');
    expect(hostForUrl('localhost')).toBe('localhost');
  });
});
