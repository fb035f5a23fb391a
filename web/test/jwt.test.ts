import { describe, expect, it } from 'vitest';
import { base64UrlDecode, canReview, decodeJwt, hasRole, isExpired, JwtError, normalizeToken } from '../src/lib/jwt';

function b64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
function token(payload: unknown, header: unknown = { alg: 'HS256', typ: 'JWT' }): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.c2lnbmF0dXJl`;
}

describe('decodeJwt', () => {
  it('reads sub, org, roles and exp', () => {
    const c = decodeJwt(token({ sub: 'emp_1', org: 'demo', roles: ['employee', 'manager'], exp: 2000000000, iat: 1 }));
    expect(c.sub).toBe('emp_1');
    expect(c.org).toBe('demo');
    expect(c.roles).toEqual(['employee', 'manager']);
    expect(c.exp).toBe(2000000000);
    expect(hasRole(c, 'manager')).toBe(true);
    expect(hasRole(c, 'admin')).toBe(false);
    expect(canReview(c)).toBe(true);
  });

  it('decodes UTF-8 payloads (Chinese names) and base64url characters', () => {
    const c = decodeJwt(token({ sub: '张三', org: '演示', roles: ['employee'], name: '張三??>>' }));
    expect(c.sub).toBe('张三');
    expect(c.org).toBe('演示');
    expect(c.name).toBe('張三??>>');
  });

  it('accepts "Bearer " and whitespace around a pasted token', () => {
    const t = token({ sub: 'a', org: 'o', roles: 'employee admin' });
    expect(normalizeToken(`  Bearer ${t}\n`)).toBe(t);
    expect(decodeJwt(`Bearer ${t.slice(0, 10)}\n${t.slice(10)}`).roles).toEqual(['employee', 'admin']);
  });

  it('rejects what is not a usable token', () => {
    const problem = (t: string) => {
      try {
        decodeJwt(t);
        return 'none';
      } catch (e) {
        return (e as JwtError).problem;
      }
    };
    expect(problem('abc')).toBe('format');
    expect(problem('a.b')).toBe('format');
    expect(problem('###.###.sig')).toBe('encoding');
    expect(problem(`${b64url('{}')}.${b64url('not json')}.s`)).toBe('encoding');
    expect(problem(token([1, 2]))).toBe('claims');
    expect(problem(token({ org: 'o', roles: [] }))).toBe('claims');
    expect(problem(token({ sub: 'a', exp: 'soon' }))).toBe('claims');
  });

  it('knows when a token has expired', () => {
    const c = decodeJwt(token({ sub: 'a', org: 'o', roles: [], exp: 1000 }));
    expect(isExpired(c, 999_000)).toBe(false);
    expect(isExpired(c, 1_000_000)).toBe(true);
    expect(isExpired(decodeJwt(token({ sub: 'a', org: 'o', roles: [] })), Date.now())).toBe(false);
  });
});

describe('base64UrlDecode', () => {
  it('decodes with and without padding', () => {
    expect(new TextDecoder().decode(base64UrlDecode('aGk'))).toBe('hi');
    expect(new TextDecoder().decode(base64UrlDecode('aGk='))).toBe('hi');
    expect(() => base64UrlDecode('a')).toThrow(JwtError);
  });
});
