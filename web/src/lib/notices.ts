import type { Notice } from './types';

/** Inserts or replaces a notice, newest first (by create time, then id). */
export function mergeNotice(list: Notice[], n: Notice): Notice[] {
  const rest = list.filter((x) => x.id !== n.id);
  rest.push(n);
  return rest.sort((a, b) => (b.createTime ?? '').localeCompare(a.createTime ?? '') || b.id.localeCompare(a.id));
}

