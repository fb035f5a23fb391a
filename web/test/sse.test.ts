import { describe, expect, it } from 'vitest';
import { SseParser, backoffDelay, type SseEvent } from '../src/lib/sse';

function parseAll(chunks: string[]): { events: SseEvent[]; comments: string[]; retries: number[] } {
  const comments: string[] = [];
  const retries: number[] = [];
  const p = new SseParser({ onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) });
  const events = chunks.flatMap((c) => p.push(c));
  return { events, comments, retries };
}

describe('SseParser', () => {
  it('parses the gateway notice frames', () => {
    const { events } = parseAll(['id: n_1\nevent: notice\ndata: {"id":"n_1","title":"退回"}\n\n']);
    expect(events).toEqual([{ id: 'n_1', event: 'notice', data: '{"id":"n_1","title":"退回"}' }]);
    expect(JSON.parse(events[0].data).title).toBe('退回');
  });

  it('treats ": ping" as a comment, not an event', () => {
    const { events, comments } = parseAll([': ping\n\n', ': ping\n\nid: 7\nevent: notice\ndata: {}\n\n']);
    expect(comments).toEqual(['ping', 'ping']);
    expect(events).toHaveLength(1);
    expect(events[0].id).toBe('7');
  });

  it('joins events split at any byte boundary', () => {
    const text = 'id: a\nevent: notice\ndata: {"x":1}\n\nid: b\nevent: notice\ndata: {"x":2}\n\n';
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      const { events } = parseAll(chunks);
      expect(events.map((e) => [e.id, e.data])).toEqual([
        ['a', '{"x":1}'],
        ['b', '{"x":2}'],
      ]);
    }
  });

  it('accepts CRLF and bare CR line endings, even a CRLF split across chunks', () => {
    expect(parseAll(['id: 1\r\nevent: notice\r\ndata: x\r\n\r\n']).events).toEqual([{ id: '1', event: 'notice', data: 'x' }]);
    expect(parseAll(['data: y\r\rdata: z\r\r']).events.map((e) => e.data)).toEqual(['y', 'z']);
    expect(parseAll(['data: w\r', '\n\r', '\n']).events.map((e) => e.data)).toEqual(['w']);
  });

  it('joins multi-line data with newlines and defaults the event type to message', () => {
    const { events } = parseAll(['data: line one\ndata:line two\ndata\n\n']);
    expect(events).toEqual([{ id: '', event: 'message', data: 'line one\nline two\n' }]);
  });

  it('keeps the last id across events and ignores ids with NUL', () => {
    const { events } = parseAll(['id: 5\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\n']);
    expect(events.map((e) => e.id)).toEqual(['5', '5', '5']);
  });

  it('dispatches nothing for a block without data, and resets the event type', () => {
    const { events } = parseAll(['event: notice\nid: 3\n\ndata: d\n\n']);
    expect(events).toEqual([{ id: '3', event: 'message', data: 'd' }]);
  });

  it('reports retry and ignores unknown fields and a leading BOM', () => {
    const { events, retries } = parseAll(['\ufeffretry: 2500\nfoo: bar\nretry: x\ndata: z\n\n']);
    expect(retries).toEqual([2500]);
    expect(events.map((e) => e.data)).toEqual(['z']);
  });

  it('drops an unterminated event at the end of the stream', () => {
    const p = new SseParser();
    expect(p.push('data: half')).toEqual([]);
    p.end();
    expect(p.push('\n\n')).toEqual([]);
  });

  it('only strips one space after the colon', () => {
    expect(parseAll(['data:  two spaces\n\n']).events[0].data).toBe(' two spaces');
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter taken off', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, 1000, 30000, 0))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(2, 1000, 30000, 0.5)).toBe(3600);
    expect(backoffDelay(99, 1000, 30000, 0)).toBe(30000);
  });
});
