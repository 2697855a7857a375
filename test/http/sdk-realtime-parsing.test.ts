import { describe, expect, it } from 'vitest';
import { backoffDelay, SseParser } from '../../web/sdk/index.js';

describe('SDK SSE parser', () => {
  it('parses events split anywhere between chunks, including a CR LF split in two', () => {
    const parser = new SseParser();
    const comments: string[] = [];
    const text =
      'retry: 3000\r\n: connected\r\n\r\nid: 7\r\nevent: notification\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 8\ndata: x\n\n';
    const events = [];
    for (const chunk of text.match(/[\s\S]{1,5}/g)!) events.push(...parser.push(chunk, (c) => comments.push(c)));
    expect(events).toEqual([
      { id: '7', event: 'notification', data: '{"a":\n1}' },
      { id: '8', event: 'message', data: 'x' },
    ]);
    expect(comments).toEqual(['connected']);
    expect(parser.retry).toBe(3000);
    expect(parser.lastEventId).toBe('8');
  });

  it('ignores an event without data and keeps the last id for events without one', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\nevent: ping\n\ndata: y\n\n')).toEqual([{ id: '3', event: 'message', data: 'y' }]);
  });
});

describe('SDK back-off', () => {
  it('doubles up to the maximum, with the random share taken off', () => {
    const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(1, options, () => 0.5)).toBe(150);
    expect(backoffDelay(3, { ...options, jitter: 0 }, () => 0.99)).toBe(800);
  });
});
