// HS256 development tokens, as `opsctl token` mints them: header {"alg":"HS256","typ":"JWT"},
// claims sub / org / roles / iat / exp.
import { createHmac } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

export function mintToken({ sub, org, roles, secret, ttlSeconds = 3600, now = Math.floor(Date.now() / 1000) }) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub, org, roles, iat: now, exp: now + ttlSeconds }));
  const sig = b64url(createHmac('sha256', secret).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${sig}`;
}
