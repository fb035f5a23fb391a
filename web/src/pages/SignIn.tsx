import { useMemo, useState, type FormEvent } from 'react';
import { LOCALES, type Locale, type MessageKey } from '../i18n';
import { formatDateTime } from '../lib/format';
import { decodeJwt, isExpired, JwtError, normalizeToken } from '../lib/jwt';
import { useSession } from '../session';

export function SignInPage() {
  const { t, signIn, signInMessage, locale, setLocale } = useSession();
  const [raw, setRaw] = useState('');
  const [error, setError] = useState('');

  const preview = useMemo(() => {
    if (!normalizeToken(raw)) return null;
    try {
      return decodeJwt(raw);
    } catch {
      return null;
    }
  }, [raw]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      signIn(raw);
    } catch (err) {
      const problem = err instanceof JwtError ? err.problem : (err as { problem?: string }).problem;
      setError(t(`signin.error.${problem ?? 'format'}` as MessageKey));
    }
  };

  return (
    <div className="signin-wrap">
      <div className="signin-card">
        <div className="signin-brand">
          <svg viewBox="0 0 32 32" width="40" height="40" aria-hidden>
            <rect width="32" height="32" rx="7" fill="#1f5eff" />
            <path d="M8 21l5-6 4 4 7-9" stroke="white" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <div>
            <h1 data-testid="page-title">{t('signin.title')}</h1>
            <p className="muted">{t('signin.subtitle')}</p>
          </div>
          <select className="signin-locale" value={locale} onChange={(e) => setLocale(e.target.value as Locale)} data-testid="locale-switch" aria-label={t('locale.label')}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'zh-CN' ? '简体中文' : 'English'}
              </option>
            ))}
          </select>
        </div>
        {signInMessage && (
          <div className="alert alert-warn" data-testid="signin-message" role="status">
            {t('signin.ended')} {signInMessage}
          </div>
        )}
        <form onSubmit={submit}>
          <label className="field">
            <span className="field-label">{t('signin.tokenLabel')}</span>
            <textarea
              value={raw}
              onChange={(e) => setRaw(e.target.value)}
              rows={5}
              spellCheck={false}
              autoComplete="off"
              placeholder="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…"
              data-testid="signin-token"
              className="mono"
            />
          </label>
          {preview && (
            <dl className="token-preview" data-testid="signin-preview">
              <dt>{t('signin.subject')}</dt>
              <dd>{preview.sub}</dd>
              <dt>{t('signin.org')}</dt>
              <dd>{preview.org || '–'}</dd>
              <dt>{t('signin.roles')}</dt>
              <dd>{preview.roles.map((r) => t(`role.${r}` as MessageKey)).join(' / ') || '–'}</dd>
              <dt>{t('signin.expires')}</dt>
              <dd className={isExpired(preview) ? 'text-red' : ''}>{preview.exp ? formatDateTime(new Date(preview.exp * 1000).toISOString(), locale) : t('signin.never')}</dd>
            </dl>
          )}
          {error && (
            <div className="alert alert-error" data-testid="signin-error" role="alert">
              {error}
            </div>
          )}
          <button type="submit" className="btn btn-primary btn-block" data-testid="signin-submit" disabled={!normalizeToken(raw)}>
            {t('signin.submit')}
          </button>
        </form>
        <div className="signin-help">
          <p>{t('signin.help')}</p>
          <pre className="mono">build/tools/opsctl token --sub=&lt;employee id&gt; --org=&lt;org&gt; --roles=employee,manager</pre>
        </div>
      </div>
    </div>
  );
}
