// The live inbox: GET /v1/inbox:watch as Server-Sent Events, read with fetch() so the
// Authorization header goes along (EventSource cannot send it). Reconnects with exponential
// backoff and resumes from the last notice id (Last-Event-ID header and ?afterId=), so the
// server replays whatever arrived while the connection was down.

import { ApiError, parseErrorBody } from './api';
import { SseParser, backoffDelay } from './sse';
import type { Notice } from './types';

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed';

export interface WatchOptions {
  baseUrl?: string;
  token: () => string | null;
  /** Resume after this notice id (the newest one the page already has). */
  afterId?: string;
  onNotice: (n: Notice) => void;
  onState?: (s: StreamState, detail?: { attempt: number; delayMs?: number; error?: string }) => void;
  /** 401: the session is over; the stream stops. */
  onUnauthorized?: (err: ApiError) => void;
  fetch?: typeof fetch;
  /** No bytes (not even a ": ping") for this long: the connection is presumed dead. */
  idleTimeoutMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

export interface InboxWatch {
  close(): void;
  readonly lastEventId: string;
}

export function watchInbox(o: WatchOptions): InboxWatch {
  const doFetch = o.fetch ?? fetch.bind(globalThis);
  const setT = o.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearT = o.clearTimeout ?? ((h) => globalThis.clearTimeout(h as number));
  const idleMs = o.idleTimeoutMs ?? 75_000;
  let lastId = o.afterId ?? '';
  let closed = false;
  let attempt = 0;
  let controller: AbortController | null = null;
  let retryTimer: unknown = null;
  let idleTimer: unknown = null;

  const state = (s: StreamState, detail: { attempt: number; delayMs?: number; error?: string } = { attempt }) => {
    if (!closed || s === 'closed') o.onState?.(s, detail);
  };

  const armIdle = () => {
    if (idleTimer !== null) clearT(idleTimer);
    idleTimer = setT(() => controller?.abort(new Error('idle')), idleMs);
  };

  const scheduleRetry = (error: string, retryMs?: number) => {
    if (closed) return;
    const delay = retryMs ?? backoffDelay(attempt, o.baseDelayMs ?? 1000, o.maxDelayMs ?? 30_000, (o.random ?? Math.random)());
    attempt++;
    state('retrying', { attempt, delayMs: delay, error });
    retryTimer = setT(() => {
      retryTimer = null;
      void connect();
    }, delay);
  };

  const connect = async () => {
    if (closed) return;
    state('connecting', { attempt });
    controller = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
    const token = o.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (lastId) headers['Last-Event-ID'] = lastId;
    const url = `${o.baseUrl ?? ''}/v1/inbox:watch${lastId ? `?afterId=${encodeURIComponent(lastId)}` : ''}`;
    let serverRetry: number | undefined;
    try {
      armIdle();
      const res = await doFetch(url, { headers, signal: controller.signal, cache: 'no-store' });
      if (!res.ok) {
        const err = parseErrorBody(res.status, res.statusText, await res.text().catch(() => ''));
        if (res.status === 401) {
          closed = true;
          if (idleTimer !== null) clearT(idleTimer);
          o.onUnauthorized?.(err);
          state('closed', { attempt, error: err.message });
          return;
        }
        throw err;
      }
      if (!res.body) throw new Error('the response has no body to stream');
      state('open', { attempt });
      const parser = new SseParser({
        onEvent: (e) => {
          if (e.event !== 'notice' && e.event !== 'message') return;
          let n: Notice;
          try {
            n = JSON.parse(e.data) as Notice;
          } catch {
            return;
          }
          if (e.id) lastId = e.id;
          else if (n.id) lastId = n.id;
          attempt = 0; // a delivered notice proves the connection healthy
          o.onNotice(n);
        },
        onRetry: (ms) => {
          serverRetry = ms;
        },
      });
      parser.lastEventId = lastId;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let gotBytes = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        if (!gotBytes && value && value.length > 0) {
          gotBytes = true;
          attempt = 0;
        }
        parser.push(decoder.decode(value, { stream: true }));
      }
      parser.push(decoder.decode());
      parser.end();
      if (idleTimer !== null) clearT(idleTimer);
      scheduleRetry('the server ended the stream', serverRetry);
    } catch (e) {
      if (idleTimer !== null) clearT(idleTimer);
      if (closed) return;
      scheduleRetry((e as Error)?.message ?? String(e), serverRetry);
    }
  };

  void connect();

  return {
    close() {
      if (closed) return;
      closed = true;
      if (retryTimer !== null) clearT(retryTimer);
      if (idleTimer !== null) clearT(idleTimer);
      controller?.abort();
      state('closed', { attempt });
    },
    get lastEventId() {
      return lastId;
    },
  };
}
