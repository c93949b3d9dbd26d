import { HookEvent, HookRegistry, HttpMessage } from '@traffic/core';
import { startHttpServer } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';

describe('core smoke', () => {
  it('parses and mutates a request keeping untouched bytes', () => {
    const raw = 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n';
    const message = HttpMessage.parse(raw);
    expect(message.method).toBe('GET');
    expect(message.headerValues('X-A')).toEqual(['1', '2']);
    const changed = message.setHeader('x-a', '3');
    expect(changed.toString()).toBe('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 3\r\n\r\n');
    expect(message.setHeader('host', 'x')).toBe(message);
  });

  it('runs hooks in priority order and stops per dispatch', async () => {
    const hooks = new HookRegistry<{ a: HookEvent }>();
    const seen: number[] = [];
    hooks.on('a', () => void seen.push(2), { priority: 2 });
    hooks.on(
      'a',
      (event) => {
        seen.push(1);
        event.stopPropagation();
      },
      { priority: 1 },
    );
    const event = new HookEvent();
    await hooks.run('a', event);
    await hooks.run('a', event);
    expect(seen).toEqual([1, 1]);
  });

  it('records requests on a real loopback server', async () => {
    const server = await startHttpServer({ status: 201, body: 'hi' });
    try {
      const response = await fetch(`${server.url}/x`, { method: 'POST', body: 'abc' });
      expect(response.status).toBe(201);
      expect(await response.text()).toBe('hi');
      expect(server.requests[0]?.body.toString()).toBe('abc');
    } finally {
      await server.close();
    }
  });
});
