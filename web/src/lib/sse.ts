// A Server-Sent Events parser (the WHATWG "event stream" interpretation), fed with text as
// it arrives from a streaming fetch body. EventSource cannot send an Authorization header,
// so the console reads /v1/inbox:watch with fetch() and parses the stream itself.

export interface SseEvent {
  /** The last event id seen so far in the stream (ids persist across events). */
  id: string;
  /** "message" when the event had no `event:` field. */
  event: string;
  data: string;
}

export interface SseCallbacks {
  onEvent?: (e: SseEvent) => void;
  /** Comment lines (": ping" heartbeats), without the colon and one leading space. */
  onComment?: (text: string) => void;
  /** A `retry:` field: the reconnection delay the server asks for, in ms. */
  onRetry?: (ms: number) => void;
}

export class SseParser {
  private buffer = '';
  private pendingCR = false; // the previous chunk ended in "\r": a following "\n" belongs to it
  private data: string[] = [];
  private hasData = false;
  private eventType = '';
  private lastId = '';
  private bom = true;

  constructor(private readonly cb: SseCallbacks = {}) {}

  /** The id to resume from (Last-Event-ID). */
  get lastEventId(): string {
    return this.lastId;
  }

  set lastEventId(id: string) {
    this.lastId = id;
  }

  /** Feeds decoded text; returns the events completed by it (also passed to onEvent). */
  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (chunk.length === 0) return out;
    if (this.bom) {
      this.bom = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.pendingCR && chunk[0] === '\n') chunk = chunk.slice(1);
    this.pendingCR = false;
    this.buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
      const e = this.line(line);
      if (e) out.push(e);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** The stream ended: an event without its closing blank line is dropped, as the spec says. */
  end(): void {
    this.buffer = '';
    this.pendingCR = false;
    this.resetEvent();
  }

  private resetEvent() {
    this.data = [];
    this.hasData = false;
    this.eventType = '';
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line[0] === ':') {
      this.cb.onComment?.(line.slice(1).replace(/^ /, ''));
      return null;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.cb.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    if (!this.hasData) {
      this.resetEvent();
      return null;
    }
    const e: SseEvent = { id: this.lastId, event: this.eventType || 'message', data: this.data.join('\n') };
    this.resetEvent();
    this.cb.onEvent?.(e);
    return e;
  }
}

/** Reconnection delay after `attempt` consecutive failures: doubling from `base`, capped,
 * with up to 20% jitter taken off (random in [0, 1)). */
export function backoffDelay(attempt: number, base = 1000, cap = 30000, random = 0): number {
  const d = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt, 20)));
  return Math.round(d * (1 - 0.2 * random));
}
