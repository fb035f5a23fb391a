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

/** Id prefixes of the resources a notice can be about. */
const ID_KINDS: [string, string][] = [['gc_', 'goalCards'], ['cus_', 'customers'], ['ev_', 'evaluations'], ['tgt_', 'targets']];

/** The console page for a notice: its `link` ("goalCards/gc_1", "customers/cus_1", or a bare
 * resource id), else the page its event type belongs to. */
export function routeForLink(link: string | undefined, eventType = ''): string | null {
  const l = (link ?? '').replace(/^\/+/, '').replace(/^v1\//, '');
  let [kind, id] = l.split('/');
  if (kind && !id) {
    const k = ID_KINDS.find(([prefix]) => kind.startsWith(prefix));
    if (k) [kind, id] = [k[1], kind];
  }
  const forManager = /\.(submitted|self_assessed)$/.test(eventType);
  if (id) {
    switch (kind) {
      case 'goalCards':
        // What a manager must act on goes to the review queue; the rest to the owner's cards.
        return forManager ? hrefOf('/queue', { card: id }) : hrefOf('/goals', { card: id });
      case 'customers':
        return hrefOf(`/customers/${encodeURIComponent(id)}`);
      case 'evaluations':
        return hrefOf('/scoring', { evaluation: id });
      case 'targets':
        return hrefOf('/targets', { target: id });
    }
  }
  if (eventType.startsWith('planning.goal_card.')) return hrefOf(forManager ? '/queue' : '/goals');
  if (eventType === 'crm.visit.overdue') return hrefOf('/dueVisits');
  if (eventType.startsWith('crm.')) return hrefOf('/customers');
  if (eventType.startsWith('scoring.')) return hrefOf('/scoring');
  if (eventType.startsWith('planning.target')) return hrefOf('/targets');
  return null;
}
