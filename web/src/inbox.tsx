// The inbox store: the first page from GET /v1/inbox, then live notices from the SSE
// stream (resuming after the newest notice already listed), the unread count, mark read.

import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, apiConfig, type ApiError } from './lib/api';
import { watchInbox, type StreamState } from './lib/inboxStream';
import { mergeNotice } from './lib/notices';
import type { ListInboxResponse, Notice } from './lib/types';
import { useSession } from './session';

export interface InboxStore {
  notices: Notice[];
  unreadCount: number;
  state: StreamState;
  loaded: boolean;
  error: ApiError | null;
  /** Ids that arrived over the stream in this page view (to highlight them). */
  fresh: Set<string>;
  markRead: (ids: string[]) => Promise<void>;
  markAllRead: () => Promise<void>;
  reload: () => Promise<void>;
}

const Ctx = createContext<InboxStore | null>(null);

export function InboxProvider({ children }: { children: ReactNode }) {
  const { token, signOut } = useSession();
  const [notices, setNotices] = useState<Notice[]>([]);
  const [unreadCount, setUnread] = useState(0);
  const [state, setState] = useState<StreamState>('closed');
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const known = useRef(new Map<string, boolean>()); // id → read

  const load = useCallback(async () => {
    const r = await api.get<ListInboxResponse>('/v1/inbox', { pageSize: 100 });
    const list = r.notices ?? [];
    known.current = new Map(list.map((n) => [n.id, n.read]));
    setNotices(list);
    setUnread(r.unreadCount ?? list.filter((n) => !n.read).length);
    setLoaded(true);
    setError(null);
    return list;
  }, []);

  useEffect(() => {
    if (!token) return;
    let watch: { close(): void } | null = null;
    let live = true;
    setLoaded(false);
    setNotices([]);
    setUnread(0);
    setFresh(new Set());
    const start = (afterId?: string) => {
      if (!live) return;
      watch = watchInbox({
        baseUrl: apiConfig().baseUrl,
        token: () => localStorage.getItem('opsuite.token'),
        afterId,
        onNotice: (n) => {
          const wasKnown = known.current.has(n.id);
          const wasRead = known.current.get(n.id);
          known.current.set(n.id, n.read);
          setNotices((l) => mergeNotice(l, n));
          if (!wasKnown && !n.read) setUnread((c) => c + 1);
          else if (wasKnown && wasRead && !n.read) setUnread((c) => c + 1);
          else if (wasKnown && !wasRead && n.read) setUnread((c) => Math.max(0, c - 1));
          if (!wasKnown) setFresh((f) => new Set(f).add(n.id));
        },
        onState: (s) => setState(s),
        onUnauthorized: (err) => signOut(err.message || 'unauthenticated'),
      });
    };
    load()
      .then((list) => start(list.length ? list[0].id : undefined)) // newest first
      .catch((e: ApiError) => {
        if (!live) return;
        setError(e);
        setLoaded(true);
        start(undefined);
      });
    return () => {
      live = false;
      watch?.close();
      setState('closed');
    };
  }, [token, load, signOut]);

  const markRead = useCallback(async (ids: string[]) => {
    if (ids.length === 0) return;
    const r = await api.post<{ marked?: number; unreadCount?: number }>('/v1/inbox:markRead', { ids });
    const set = new Set(ids);
    for (const id of ids) known.current.set(id, true);
    setNotices((l) => l.map((n) => (set.has(n.id) ? { ...n, read: true, readTime: n.readTime || new Date().toISOString() } : n)));
    if (typeof r.unreadCount === 'number') setUnread(r.unreadCount);
    else setUnread((c) => Math.max(0, c - ids.length));
  }, []);

  const markAllRead = useCallback(async () => {
    const r = await api.post<{ marked?: number; unreadCount?: number }>('/v1/inbox:markRead', { all: true });
    for (const k of known.current.keys()) known.current.set(k, true);
    setNotices((l) => l.map((n) => (n.read ? n : { ...n, read: true })));
    setUnread(typeof r.unreadCount === 'number' ? r.unreadCount : 0);
  }, []);

  const reload = useCallback(async () => {
    try {
      await load();
    } catch (e) {
      setError(e as ApiError);
    }
  }, [load]);

  return (
    <Ctx.Provider value={{ notices, unreadCount, state, loaded, error, fresh, markRead, markAllRead, reload }}>
      {children}
    </Ctx.Provider>
  );
}

export function useInbox(): InboxStore {
  const s = useContext(Ctx);
  if (!s) throw new Error('useInbox outside InboxProvider');
  return s;
}
