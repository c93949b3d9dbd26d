import { createLogger, TrafficEvents } from '@traffic/core';
import { NdjsonCollector, waitUntil } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';

type Events = {
  message: (id: string, size: number) => void;
  close: () => void;
};

describe('TrafficEvents', () => {
  it('delivers typed events synchronously to every listener, in order', () => {
    const events = new TrafficEvents<Events>();
    const seen: string[] = [];
    events.on('message', (id, size) => seen.push(`a:${id}:${size}`));
    events.on('message', (id) => seen.push(`b:${id}`));
    expect(events.emit('message', 'x', 3)).toBe(true);
    expect(seen).toEqual(['a:x:3', 'b:x']);
    expect(events.emit('close')).toBe(false);
  });

  it('catches a throwing listener, logs and counts it, and still runs the others', async () => {
    const sink = new NdjsonCollector();
    const events = new TrafficEvents<Events>(createLogger({ destination: sink }));
    const seen: string[] = [];
    events.on('message', () => {
      throw new Error('listener bug');
    });
    events.on('message', (id) => seen.push(id));
    expect(() => events.emit('message', 'm1', 1)).not.toThrow();
    expect(seen).toEqual(['m1']);
    expect(events.listenerErrors).toBe(1);
    await sink.waitFor(1);
    expect(sink.records[0]).toMatchObject({
      level: 'error',
      event: 'message',
      msg: 'event listener threw; ignored',
      err: { message: 'listener bug' },
    });
  });

  it('catches the rejection of an async listener instead of crashing the process', async () => {
    const events = new TrafficEvents<Events>();
    events.on('close', async () => {
      throw new Error('async bug');
    });
    events.emit('close');
    await waitUntil(() => events.listenerErrors === 1, 'the rejection to be counted', 2000);
  });

  it('off() removes a listener registered with on() or once()', () => {
    const events = new TrafficEvents<Events>();
    const seen: string[] = [];
    const listener = (id: string) => void seen.push(id);
    events.on('message', listener);
    expect(events.listenerCount('message')).toBe(1);
    events.off('message', listener);
    events.emit('message', 'gone', 0);
    expect(events.hasListeners('message')).toBe(false);
    events.once('message', listener);
    events.off('message', listener);
    events.emit('message', 'gone-too', 0);
    events.off('message', () => {});
    expect(seen).toEqual([]);
  });

  it('once() fires a single time', () => {
    const events = new TrafficEvents<Events>();
    let calls = 0;
    events.once('close', () => calls++);
    events.emit('close');
    events.emit('close');
    expect(calls).toBe(1);
  });

  it('hasListeners lets emitters skip building payloads; removeAllListeners empties one event or all', () => {
    const events = new TrafficEvents<Events>();
    expect(events.hasListeners('message')).toBe(false);
    events.on('message', () => {});
    events.on('close', () => {});
    events.removeAllListeners('message');
    expect(events.hasListeners('message')).toBe(false);
    expect(events.hasListeners('close')).toBe(true);
    events.removeAllListeners();
    expect(events.listenerCount('close')).toBe(0);
  });

  it('setLogger switches where listener errors are logged', async () => {
    const events = new TrafficEvents<Events>();
    const sink = new NdjsonCollector();
    events.setLogger(createLogger({ destination: sink, level: 'error' }));
    events.on('close', () => {
      throw new Error('x');
    });
    events.emit('close');
    expect((await sink.waitFor(1))[0]).toMatchObject({ level: 'error', event: 'close' });
  });
});
