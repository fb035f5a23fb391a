// A small REST client for seeding data through the gateway, the way the console calls it.
import { randomUUID } from 'node:crypto';

export class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} → HTTP ${status}: ${body}`);
    this.status = status;
    this.body = body;
  }
}

export function client(base, token) {
  const call = async (method, path, body, query) => {
    const qs = query ? `?${new URLSearchParams(query)}` : '';
    const res = await fetch(`${base}${path}${qs}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(method, path, res.status, text);
    return text ? JSON.parse(text) : {};
  };
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body = {}) => call('POST', path, body),
    patch: (path, body, query) => call('PATCH', path, body, query),
    requestId: () => randomUUID(),
  };
}
