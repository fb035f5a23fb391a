// Who is signed in (the JWT in localStorage and its claims), their employee record, and the
// console's locale. A 401 from any call ends the session and returns to sign-in with the
// server's message.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, configureApi, seg, type ApiError } from './lib/api';
import { decodeJwt, isExpired, normalizeToken, type Claims } from './lib/jwt';
import { enumName } from './lib/enums';
import { initialLocale, translate, type Locale, type MessageKey, type Params } from './i18n';
import type { Employee } from './lib/types';
import { navigate } from './router';

const TOKEN_KEY = 'opsuite.token';
const LOCALE_KEY = 'opsuite.locale';
const MESSAGE_KEY = 'opsuite.signinMessage';

export type T = (key: MessageKey, params?: Params) => string;

export interface Session {
  token: string | null;
  claims: Claims | null;
  me: Employee | null;
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: T;
  /** An enum value's label: tEnum('state', 'GOAL_CARD_STATE_SUBMITTED') → "Submitted". */
  tEnum: (group: string, value: string | undefined) => string;
  timeZone: string | undefined;
  signIn: (raw: string) => void;
  signOut: (message?: string) => void;
  /** Shown once on the sign-in page (why the last session ended). */
  signInMessage: string;
}

const Ctx = createContext<Session | null>(null);

// The API layer reads the token straight from storage, so calls made by pages during the
// first render (child effects run before the provider's) carry it too; a 401 ends the
// session through whichever provider is mounted.
let endSession: ((message: string) => void) | null = null;
configureApi({
  token: () => readToken(),
  onUnauthorized: (err: ApiError) => endSession?.(err.message || 'unauthenticated'),
});

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => {
    const t = readToken();
    if (!t) return null;
    try {
      const c = decodeJwt(t);
      if (isExpired(c)) {
        sessionStorage.setItem(MESSAGE_KEY, 'expired');
        localStorage.removeItem(TOKEN_KEY);
        return null;
      }
      return t;
    } catch {
      localStorage.removeItem(TOKEN_KEY);
      return null;
    }
  });
  const [locale, setLocaleState] = useState<Locale>(() => initialLocale(localStorage.getItem(LOCALE_KEY), navigator.languages));
  const [me, setMe] = useState<Employee | null>(null);
  const [signInMessage, setSignInMessage] = useState<string>(() => sessionStorage.getItem(MESSAGE_KEY) ?? '');

  const claims = useMemo(() => {
    if (!token) return null;
    try {
      return decodeJwt(token);
    } catch {
      return null;
    }
  }, [token]);

  const signOut = useCallback((message?: string) => {
    localStorage.removeItem(TOKEN_KEY);
    if (message) sessionStorage.setItem(MESSAGE_KEY, message);
    else sessionStorage.removeItem(MESSAGE_KEY);
    setSignInMessage(message ?? '');
    setToken(null);
    setMe(null);
    navigate('/signin');
  }, []);

  const signIn = useCallback((raw: string) => {
    const t = normalizeToken(raw);
    const c = decodeJwt(t); // throws JwtError for the page to show
    if (isExpired(c)) throw Object.assign(new Error('expired'), { name: 'JwtError', problem: 'expired' });
    localStorage.setItem(TOKEN_KEY, t);
    sessionStorage.removeItem(MESSAGE_KEY);
    setSignInMessage('');
    setToken(t);
  }, []);

  endSession = signOut;

  // The token's own expiry ends the session even without a call failing.
  useEffect(() => {
    if (!claims?.exp) return;
    const ms = claims.exp * 1000 - Date.now();
    if (ms <= 0) {
      signOut('expired');
      return;
    }
    const h = setTimeout(() => signOut('expired'), Math.min(ms, 2 ** 31 - 1));
    return () => clearTimeout(h);
  }, [claims, signOut]);

  useEffect(() => {
    setMe(null);
    if (!claims) return;
    let live = true;
    api
      .get<Employee>(`/v1/employees/${seg(claims.sub)}`)
      .then((e) => live && setMe(e))
      .catch(() => live && setMe(null)); // admins and services need not be employees
    return () => {
      live = false;
    };
  }, [claims]);

  const setLocale = useCallback((l: Locale) => {
    localStorage.setItem(LOCALE_KEY, l);
    setLocaleState(l);
  }, []);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const t = useCallback<T>((key, params) => translate(locale, key, params), [locale]);
  const tEnum = useCallback(
    (group: string, value: string | undefined) => {
      const name = enumName(value ?? 'UNSPECIFIED');
      const key = `${group}.${name}`;
      const s = translate(locale, key);
      return s === key ? name : s;
    },
    [locale],
  );

  const value: Session = {
    token,
    claims,
    me,
    locale,
    setLocale,
    t,
    tEnum,
    timeZone: me?.timezone || undefined,
    signIn,
    signOut,
    signInMessage: signInMessage === 'expired' ? translate(locale, 'signin.expired') : signInMessage,
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
