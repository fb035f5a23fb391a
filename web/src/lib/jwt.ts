// Reads a JWT's payload on the client. Nothing is verified here: the gateway verifies every
// call; the console only needs to know who is signed in, their org and roles, and when the
// token expires.

export type Role = 'employee' | 'manager' | 'admin' | 'service';

export interface Claims {
  sub: string;
  org: string;
  roles: string[];
  exp?: number; // seconds since the epoch
  iat?: number;
  [extra: string]: unknown;
}

export type JwtProblem = 'format' | 'encoding' | 'claims' | 'expired';

export class JwtError extends Error {
  constructor(readonly problem: JwtProblem, message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

/** Decodes base64url (with or without padding) to bytes. */
export function base64UrlDecode(input: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(input)) throw new JwtError('encoding', 'not base64url');
  let s = input.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (s.length % 4 === 1) throw new JwtError('encoding', 'bad base64url length');
  while (s.length % 4 !== 0) s += '=';
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Accepts a bare token or one pasted with a "Bearer " prefix and stray whitespace. */
export function normalizeToken(raw: string): string {
  return raw.trim().replace(/^bearer\s+/i, '').replace(/\s+/g, '');
}

/** The payload of a JWT; throws JwtError when it is not a usable opsuite token. */
export function decodeJwt(token: string): Claims {
  const parts = normalizeToken(token).split('.');
  if (parts.length !== 3 || parts.some((p, i) => p.length === 0 && i < 2)) {
    throw new JwtError('format', 'a JWT has three dot-separated parts');
  }
  let payload: unknown;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[0])));
    if (typeof header !== 'object' || header === null) throw new Error('header');
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(parts[1])));
  } catch (e) {
    if (e instanceof JwtError) throw e;
    throw new JwtError('encoding', 'the header or payload is not base64url JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new JwtError('claims', 'the payload is not a JSON object');
  }
  const p = payload as Record<string, unknown>;
  if (typeof p.sub !== 'string' || p.sub === '') throw new JwtError('claims', 'no "sub" claim');
  let roles: string[] = [];
  if (Array.isArray(p.roles)) roles = p.roles.filter((r): r is string => typeof r === 'string');
  else if (typeof p.roles === 'string') roles = p.roles.split(/[\s,]+/).filter(Boolean);
  const claims: Claims = { ...p, sub: p.sub, org: typeof p.org === 'string' ? p.org : '', roles };
  if (p.exp !== undefined) {
    if (typeof p.exp !== 'number' || !Number.isFinite(p.exp)) throw new JwtError('claims', '"exp" is not a number');
    claims.exp = p.exp;
  }
  if (typeof p.iat === 'number') claims.iat = p.iat;
  return claims;
}

export function isExpired(claims: Claims, nowMs: number = Date.now()): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= nowMs;
}

export function hasRole(claims: Claims | null | undefined, role: Role): boolean {
  return !!claims && claims.roles.includes(role);
}

/** Managers and admins see the review queue. */
export function canReview(claims: Claims | null | undefined): boolean {
  return hasRole(claims, 'manager') || hasRole(claims, 'admin');
}
