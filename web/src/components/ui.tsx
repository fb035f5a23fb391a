import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../lib/api';
import { enumName } from '../lib/enums';
import { formatDate, formatDateTime, formatMoney, formatPeriod, type Cents } from '../lib/format';
import type { Period } from '../lib/types';
import { useSession } from '../session';

/** An error from the API (message + field violations) or anything else. */
export function ErrorBox({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  const { t } = useSession();
  if (!error) return null;
  const e = error as ApiError | Error;
  const violations = e instanceof ApiError ? e.violations : [];
  const code = e instanceof ApiError && e.code ? e.codeName : '';
  return (
    <div className="alert alert-error" role="alert" data-testid={testId}>
      <div className="alert-title">
        {t('error.title')}
        {code ? <span className="code">{code}</span> : null}
      </div>
      <div data-testid={`${testId}-message`}>{e.message || String(error)}</div>
      {violations.length > 0 && (
        <ul className="violations">
          {violations.map((v, i) => (
            <li key={i}>
              <code>{v.field}</code> {v.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useSession();
  return (
    <div className="loading" data-testid="loading">
      <span className="spinner" aria-hidden /> {t('common.loading')}
    </div>
  );
}

export function Empty({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      {children}
    </div>
  );
}

const BADGE_TONE: Record<string, string> = {
  DRAFT: 'gray', SUBMITTED: 'blue', RETURNED: 'red', APPROVED: 'teal', SELF_ASSESSED: 'violet',
  SCORED: 'amber', CLOSED: 'green',
  ON_TRACK: 'green', AT_RISK: 'amber', BEHIND: 'red', ACHIEVED: 'teal',
  KEY: 'violet', TIER1: 'blue', TIER2: 'teal', OTHER: 'gray',
  LEAD: 'gray', CONTACTED: 'blue', INTENT: 'teal', SAMPLE_ORDER: 'amber', FIRST_ORDER: 'green', REPEAT: 'green', DORMANT: 'gray', LOST: 'red',
  OBSERVATION: 'amber', TERMINATION_REVIEW: 'red',
};

export function Badge({ group, value, testId }: { group: string; value: string | undefined; testId?: string }) {
  const { tEnum } = useSession();
  const name = enumName(value);
  return (
    <span className={`badge badge-${BADGE_TONE[name] ?? 'gray'}`} data-testid={testId} data-value={name}>
      {tEnum(group, value)}
    </span>
  );
}

export function Money({ cents, currency, compact, testId }: { cents: Cents; currency?: string; compact?: boolean; testId?: string }) {
  const { locale } = useSession();
  return (
    <span className="num" data-testid={testId}>
      {formatMoney(cents, currency || 'CNY', locale, { compact })}
    </span>
  );
}

export function DateText({ date, testId }: { date: string | undefined; testId?: string }) {
  const { locale } = useSession();
  return <span data-testid={testId}>{formatDate(date, locale)}</span>;
}

export function DateTime({ ts, testId }: { ts: string | undefined; testId?: string }) {
  const { locale, timeZone } = useSession();
  return (
    <time dateTime={ts} data-testid={testId}>
      {formatDateTime(ts, locale, timeZone)}
    </time>
  );
}

export function PeriodText({ period, testId }: { period: Period | undefined; testId?: string }) {
  const { locale } = useSession();
  return <span data-testid={testId}>{formatPeriod(period, locale)}</span>;
}

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1 data-testid="page-title">{title}</h1>
        {subtitle ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Panel({ title, actions, children, className, testId }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={`panel ${className ?? ''}`} data-testid={testId}>
      {(title || actions) && (
        <div className="panel-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      )}
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function Tabs<K extends string>({ tabs, active, onChange, testId }: { tabs: { key: K; label: ReactNode; count?: number }[]; active: K; onChange: (k: K) => void; testId?: string }) {
  return (
    <div className="tabs" role="tablist" data-testid={testId}>
      {tabs.map((tab) => (
        <button
          key={tab.key}
          role="tab"
          type="button"
          aria-selected={tab.key === active}
          className={tab.key === active ? 'tab active' : 'tab'}
          onClick={() => onChange(tab.key)}
          data-testid={`tab-${tab.key}`}
        >
          {tab.label}
          {tab.count !== undefined ? <span className="tab-count">{tab.count}</span> : null}
        </button>
      ))}
    </div>
  );
}

export function Stat({ label, value, hint, tone, testId }: { label: ReactNode; value: ReactNode; hint?: ReactNode; tone?: string; testId?: string }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

/** Runs an async loader when its deps change; keeps the latest result only. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void; setData: (d: T) => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    fn()
      .then((d) => {
        if (live) setData(d);
      })
      .catch((e) => {
        if (live) {
          setError(e);
          setData(undefined);
        }
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [...deps, n]); // the loader changes on every render; `deps` say when it means something new
  return { data, error, loading, reload: () => setN((x) => x + 1), setData };
}

/** A small confirmation/input dialog rendered in place (no portal). */
export function Dialog({ title, children, onClose, testId }: { title: ReactNode; children: ReactNode; onClose: () => void; testId?: string }) {
  useEffect(() => {
    const on = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" data-testid={testId}>
        <div className="dialog-head">
          <h2>{title}</h2>
          <button type="button" className="icon-btn" aria-label="close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}
