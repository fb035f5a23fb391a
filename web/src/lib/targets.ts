import type { Target } from './types';

export interface TargetNode {
  target: Target;
  children: TargetNode[];
}

/** Targets as a forest: children under their parent (in date, then id order). */
export function buildTree(targets: Target[]): TargetNode[] {
  const byId = new Map<string, TargetNode>();
  for (const t of targets) byId.set(t.id, { target: t, children: [] });
  const roots: TargetNode[] = [];
  for (const n of byId.values()) {
    const parent = n.target.parentId ? byId.get(n.target.parentId) : undefined;
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  const order = (a: TargetNode, b: TargetNode) =>
    (a.target.startDate || a.target.period?.startDate || '').localeCompare(b.target.startDate || b.target.period?.startDate || '') || a.target.id.localeCompare(b.target.id);
  const sort = (ns: TargetNode[]) => {
    ns.sort(order);
    ns.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

