// Names for ids: employees (one GET each, cached; ids the caller may not read show as the
// id) and departments (one list, cached per session).

import { useEffect, useState } from 'react';
import { api, listAll, seg } from './lib/api';
import type { Department, Employee } from './lib/types';

const employees = new Map<string, Promise<Employee | null>>();
let departments: Promise<Department[]> | null = null;

export function clearDirectoryCache(): void {
  employees.clear();
  departments = null;
}

export function getEmployee(id: string): Promise<Employee | null> {
  let p = employees.get(id);
  if (!p) {
    p = api.get<Employee>(`/v1/employees/${seg(id)}`).catch(() => null);
    employees.set(id, p);
  }
  return p;
}

export function getDepartments(): Promise<Department[]> {
  if (!departments) {
    departments = listAll<{ departments?: Department[] }, Department>('/v1/departments', { pageSize: 1000 }, (r) => r.departments).catch((e) => {
      departments = null;
      throw e;
    });
  }
  return departments;
}

export function useEmployee(id: string | undefined): Employee | null {
  const [e, setE] = useState<Employee | null>(null);
  useEffect(() => {
    setE(null);
    if (!id) return;
    let live = true;
    void getEmployee(id).then((x) => live && setE(x));
    return () => {
      live = false;
    };
  }, [id]);
  return e;
}

/** An employee's name; one the caller may not read shows as `unknownLabel` and the end of
 * the id. */
export function EmployeeName({ id, fallback, unknownLabel }: { id: string | undefined; fallback?: string; unknownLabel?: string }) {
  const e = useEmployee(id);
  if (!id) return <span className="muted">{fallback ?? '–'}</span>;
  if (e?.name) return <span title={id}>{e.name}</span>;
  return (
    <span title={id} className="unknown-name">
      {unknownLabel ? `${unknownLabel} ` : ''}
      <span className="mono muted">…{id.slice(-6)}</span>
    </span>
  );
}

export function useDepartments(): { list: Department[]; byId: Map<string, Department>; error: unknown } {
  const [list, setList] = useState<Department[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    getDepartments()
      .then((d) => live && setList(d))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);
  return { list, byId: new Map(list.map((d) => [d.id, d])), error };
}

/** Departments `me` manages whose parents they do not also manage (listing a department's
 * cards includes the departments below it). */
export function topManagedDepartments(list: Department[], me: string): Department[] {
  const byId = new Map(list.map((d) => [d.id, d]));
  const managed = new Set(list.filter((d) => d.managerId === me).map((d) => d.id));
  const covered = (d: Department): boolean => {
    let p = d.parentId ? byId.get(d.parentId) : undefined;
    const seen = new Set<string>();
    while (p && !seen.has(p.id)) {
      if (managed.has(p.id)) return true;
      seen.add(p.id);
      p = p.parentId ? byId.get(p.parentId) : undefined;
    }
    return false;
  };
  return list.filter((d) => managed.has(d.id) && !covered(d));
}
