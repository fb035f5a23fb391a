// Hash routing: "#/customers/cu_1?tab=orders" → path "/customers/cu_1", query {tab: "orders"}.
import { useEffect, useState } from 'react';

export interface Route {
  path: string;
  segments: string[];
  query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  let h = hash.replace(/^#/, '');
  if (!h.startsWith('/')) h = `/${h}`;
  const qi = h.indexOf('?');
  const path = qi < 0 ? h : h.slice(0, qi);
  const query: Record<string, string> = {};
  if (qi >= 0) {
    for (const [k, v] of new URLSearchParams(h.slice(qi + 1))) query[k] = v;
  }
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { path: `/${segments.join('/')}`, segments, query };
}

export function hrefOf(path: string, query?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, v);
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(path: string, query?: Record<string, string | undefined>): void {
  const href = hrefOf(path, query);
  if (window.location.hash !== href) window.location.hash = href;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** A notice's `link` ("goalCards/gc_1", "customers/cu_1") → a console route. */
export function routeForLink(link: string | undefined, eventType = ''): string | null {
  if (!link) return null;
  const l = link.replace(/^\/+/, '').replace(/^v1\//, '');
  const [kind, id] = l.split('/');
  if (!id) return null;
  switch (kind) {
    case 'goalCards':
      // What a manager must act on goes to the review queue; the rest to the owner's cards.
      return /\.(submitted|self_assessed)$/.test(eventType) ? hrefOf('/queue', { card: id }) : hrefOf('/goals', { card: id });
    case 'customers':
      return hrefOf(`/customers/${encodeURIComponent(id)}`);
    case 'evaluations':
      return hrefOf('/scoring', { evaluation: id });
    case 'targets':
      return hrefOf('/targets', { target: id });
    default:
      return null;
  }
}
