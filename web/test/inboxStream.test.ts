import { describe, expect, it } from 'vitest';
import { watchInbox, type StreamState } from '../src/lib/inboxStream';
import type { Notice } from '../src/lib/types';

/** A fetch whose answers are scripted: each call gets the next response. */
function scripted(responses: (() => Response)[]) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string> });
    const next = responses.shift();
    if (!next) return new Promise<Response>(() => {}); // hang: the test is over
    return next();
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function streamOf(chunks: string[]): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

const frame = (n: Partial<Notice>) => `id: ${n.id}\nevent: notice\ndata: ${JSON.stringify(n)}\n\n`;

describe('watchInbox', () => {
  it('delivers notices, reconnects after the stream ends and resumes from the last id', async () => {
    const { fetch, calls } = scripted([
      () => streamOf([': ping\n\n', frame({ id: 'n_2', title: '目标卡被退回' }).slice(0, 15), frame({ id: 'n_2', title: '目标卡被退回' }).slice(15)]),
      () => new Response('{"code":14,"message":"unavailable"}', { status: 503 }),
      () => streamOf([frame({ id: 'n_3', title: 'again' })]),
    ]);
    const got: string[] = [];
    const states: StreamState[] = [];
    const timers: (() => void)[] = [];
    const w = watchInbox({
      token: () => 'tok',
      afterId: 'n_1',
      fetch,
      onNotice: (n) => got.push(n.id),
      onState: (s) => states.push(s),
      random: () => 0,
      setTimeout: (fn, ms) => {
        if (ms < 10_000) timers.push(fn); // run retries by hand; ignore the idle watchdog
        return 0;
      },
      clearTimeout: () => {},
    });
    const flush = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
    };
    await flush();
    expect(got).toEqual(['n_2']);
    expect(calls[0].url).toBe('/v1/inbox:watch?afterId=n_1');
    expect(calls[0].headers.Authorization).toBe('Bearer tok');
    expect(calls[0].headers['Last-Event-ID']).toBe('n_1');
    timers.shift()!();
    await flush();
    expect(calls[1].headers['Last-Event-ID']).toBe('n_2');
    timers.shift()!();
    await flush();
    expect(calls[2].url).toBe('/v1/inbox:watch?afterId=n_2');
    expect(got).toEqual(['n_2', 'n_3']);
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'retrying', 'connecting']);
    expect(w.lastEventId).toBe('n_3');
    w.close();
    expect(states[states.length - 1]).toBe('closed');
  });

  it('stops on 401 and reports it', async () => {
    const { fetch } = scripted([() => new Response('{"code":16,"message":"token expired"}', { status: 401 })]);
    let unauthorized = '';
    watchInbox({ token: () => 'tok', fetch, onNotice: () => {}, onUnauthorized: (e) => (unauthorized = e.message), setTimeout: () => 0, clearTimeout: () => {} });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
    expect(unauthorized).toBe('token expired');
  });
});
