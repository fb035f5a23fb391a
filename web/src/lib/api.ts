// The gateway's REST/JSON API (transcoded from the google.api.http annotations of
// proto/opsuite/**): one fetch wrapper that adds the bearer token, builds query strings the
// way the gateway reads them (nested fields with dots, repeated fields as repeated keys) and
// turns a google.rpc.Status error body into an ApiError the pages can show.

export interface FieldViolation {
  field: string;
  description: string;
}

/** gRPC canonical codes by number, for messages and for the few the console reacts to. */
export const GRPC_CODES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;
export type GrpcCodeName = (typeof GRPC_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get codeName(): GrpcCodeName | string {
    return GRPC_CODES[this.code] ?? String(this.code);
  }
  get notFound(): boolean {
    return this.code === 5 || this.status === 404;
  }
}

/** HTTP status → gRPC code, for error bodies that are not a google.rpc.Status. */
export function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400: return 3;
    case 401: return 16;
    case 403: return 7;
    case 404: return 5;
    case 409: return 10;
    case 412: return 9;
    case 413: return 11;
    case 429: return 8;
    case 499: return 1;
    case 501: return 12;
    case 503: return 14;
    case 504: return 4;
    default: return status >= 500 ? 13 : 2;
  }
}

/** Reads an error response body: a google.rpc.Status JSON object, or anything else. */
export function parseErrorBody(status: number, statusText: string, body: string): ApiError {
  let parsed: unknown = undefined;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const s = parsed as { code?: unknown; message?: unknown; details?: unknown; error?: unknown };
    const code = typeof s.code === 'number' ? s.code : codeForHttpStatus(status);
    let message = typeof s.message === 'string' ? s.message : typeof s.error === 'string' ? s.error : '';
    const violations: FieldViolation[] = [];
    if (Array.isArray(s.details)) {
      for (const d of s.details) {
        if (!d || typeof d !== 'object') continue;
        const fv = (d as { fieldViolations?: unknown }).fieldViolations;
        if (!Array.isArray(fv)) continue;
        for (const v of fv) {
          if (v && typeof v === 'object') {
            const { field, description } = v as { field?: unknown; description?: unknown };
            violations.push({ field: String(field ?? ''), description: String(description ?? '') });
          }
        }
      }
    }
    if (!message) message = statusText || `HTTP ${status}`;
    return new ApiError(status, code, message, violations);
  }
  const text = body.trim().slice(0, 500);
  return new ApiError(status, codeForHttpStatus(status), text || statusText || `HTTP ${status}`);
}

export type QueryObject = Record<string, unknown>;

/** `{pageSize: 20, period: {granularity: 'MONTH'}, ids: ['a', 'b']}` →
 * `pageSize=20&period.granularity=MONTH&ids=a&ids=b`; empty strings, null and undefined are
 * left out. */
export function buildQuery(params: QueryObject | undefined): string {
  if (!params) return '';
  const pairs: string[] = [];
  const add = (key: string, v: unknown) => {
    if (v === undefined || v === null || v === '') return;
    if (Array.isArray(v)) {
      for (const item of v) add(key, item);
    } else if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) add(`${key}.${k}`, inner);
    } else {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
    }
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return pairs.join('&');
}

/** Path segments are escaped, but `:verb` suffixes and slashes of the template stay. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

export interface ApiConfig {
  baseUrl: string;
  token: () => string | null;
  /** Called on 401: the session ended (expired or revoked token). */
  onUnauthorized: (err: ApiError) => void;
  fetch?: typeof fetch;
}

let config: ApiConfig = {
  baseUrl: '',
  token: () => null,
  onUnauthorized: () => {},
};

export function configureApi(c: Partial<ApiConfig>): void {
  config = { ...config, ...c };
}

export function apiConfig(): ApiConfig {
  return config;
}

export interface RequestOptions {
  query?: QueryObject;
  body?: unknown;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const q = buildQuery(opts.query);
  const url = `${config.baseUrl}${path}${q ? (path.includes('?') ? '&' : '?') + q : ''}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = config.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await (config.fetch ?? fetch)(url, { method, headers, body, signal: opts.signal });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError(0, 14, `network error: ${(e as Error)?.message ?? e}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const err = parseErrorBody(res.status, res.statusText, text);
    if (res.status === 401) config.onUnauthorized(err);
    throw err;
  }
  if (!text) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 13, `the server answered with something other than JSON (${text.slice(0, 80)})`);
  }
}

export const api = {
  get: <T>(path: string, query?: QueryObject, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body }),
  patch: <T>(path: string, body: unknown, query?: QueryObject) => request<T>('PATCH', path, { body, query }),
  del: <T>(path: string, query?: QueryObject) => request<T>('DELETE', path, { query }),
};

/** Every page of a List call, up to `max` items. */
export async function listAll<R, T>(
  path: string,
  query: QueryObject,
  pick: (r: R) => T[] | undefined,
  max = 2000,
): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  for (;;) {
    const r = await api.get<R & { nextPageToken?: string }>(path, { ...query, pageToken: token });
    out.push(...(pick(r) ?? []));
    token = r.nextPageToken ?? '';
    if (!token || out.length >= max) return out;
  }
}
