import { useEffect, type ReactNode } from 'react';
import { clearDirectoryCache } from './directory';
import { LOCALES, type Locale, type MessageKey } from './i18n';
import { InboxProvider, useInbox } from './inbox';
import { canReview } from './lib/jwt';
import { CustomerDetailPage } from './pages/CustomerDetail';
import { CustomersPage } from './pages/Customers';
import { GoalCardsPage } from './pages/GoalCards';
import { InboxPage } from './pages/Inbox';
import { QueuePage } from './pages/Queue';
import { ScoringPage } from './pages/Scoring';
import { SignInPage } from './pages/SignIn';
import { TargetsPage } from './pages/Targets';
import { navigate, useRoute } from './router';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider>
      <Root />
    </SessionProvider>
  );
}

function Root() {
  const { token } = useSession();
  const route = useRoute();
  useEffect(() => {
    if (!token && route.path !== '/signin') navigate('/signin');
    if (token && (route.path === '/signin' || route.path === '/')) navigate('/targets');
  }, [token, route.path]);
  useEffect(() => {
    clearDirectoryCache();
  }, [token]);
  if (!token) return <SignInPage />;
  return (
    <InboxProvider>
      <Shell>
        <Page />
      </Shell>
    </InboxProvider>
  );
}

function Page() {
  const route = useRoute();
  const [first, second] = route.segments;
  switch (first) {
    case 'targets':
      return <TargetsPage />;
    case 'goals':
      return <GoalCardsPage />;
    case 'queue':
      return <QueuePage />;
    case 'customers':
      return second ? <CustomerDetailPage id={second} /> : <CustomersPage tab="search" />;
    case 'dueVisits':
      return <CustomersPage tab="due" />;
    case 'scoring':
      return <ScoringPage />;
    case 'inbox':
      return <InboxPage />;
    default:
      return <TargetsPage />;
  }
}

interface NavItem {
  path: string;
  match: string[];
  label: MessageKey;
  icon: ReactNode;
  testId: string;
  show?: boolean;
}

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
      <path d={d} />
    </svg>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { t, claims, me, locale, setLocale, signOut } = useSession();
  const { unreadCount, state } = useInbox();
  const route = useRoute();
  const reviewer = canReview(claims);
  const items: NavItem[] = [
    { path: '/targets', match: ['targets'], label: 'nav.targets', testId: 'nav-targets', icon: <Icon d="M4 19V5m0 14h16M8 15l4-5 3 3 5-6" /> },
    { path: '/goals', match: ['goals'], label: 'nav.goals', testId: 'nav-goals', icon: <Icon d="M9 11l3 3 8-8M20 12v7a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h11" /> },
    { path: '/queue', match: ['queue'], label: 'nav.queue', testId: 'nav-queue', show: reviewer, icon: <Icon d="M4 6h16M4 12h10M4 18h7m9-3-3 3-2-2" /> },
    { path: '/customers', match: ['customers', 'dueVisits'], label: 'nav.customers', testId: 'nav-customers', icon: <Icon d="M16 20v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 10a4 4 0 1 0 0-8 4 4 0 0 0 0 8m13 10v-2a4 4 0 0 0-3-3.9M16 2.1a4 4 0 0 1 0 7.8" /> },
    { path: '/scoring', match: ['scoring'], label: 'nav.scoring', testId: 'nav-scoring', icon: <Icon d="M12 20V10m6 10V4M6 20v-4" /> },
    { path: '/inbox', match: ['inbox'], label: 'nav.inbox', testId: 'nav-inbox', icon: <Icon d="M22 12h-6l-2 3h-4l-2-3H2m3.5-6.9L2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1" /> },
  ];
  const roles = claims?.roles ?? [];
  return (
    <div className="shell">
      <aside className="sidebar">
        <a className="brand" href="#/targets">
          <span className="brand-mark" aria-hidden>
            <svg viewBox="0 0 32 32" width="26" height="26">
              <rect width="32" height="32" rx="7" fill="currentColor" />
              <path d="M8 21l5-6 4 4 7-9" stroke="white" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </span>
          <span className="brand-name">opsuite</span>
        </a>
        <nav className="nav" aria-label={t('nav.label')}>
          {items
            .filter((i) => i.show !== false)
            .map((i) => {
              const active = i.match.includes(route.segments[0] ?? '');
              return (
                <a key={i.path} href={`#${i.path}`} className={active ? 'nav-item active' : 'nav-item'} data-testid={i.testId} aria-current={active ? 'page' : undefined}>
                  {i.icon}
                  <span className="nav-label">{t(i.label)}</span>
                  {i.path === '/inbox' && (
                    <span className={unreadCount > 0 ? 'nav-badge' : 'nav-badge zero'} data-testid="unread-count" aria-label={t('inbox.unreadCount', { count: unreadCount })}>
                      {unreadCount}
                    </span>
                  )}
                </a>
              );
            })}
        </nav>
        <div className="sidebar-foot">
          <span className={`live-dot live-${state}`} data-testid="stream-state" data-state={state} title={t(`inbox.stream.${state}` as MessageKey)} />
          <span className="muted small">{t(`inbox.stream.${state}` as MessageKey)}</span>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="who" data-testid="whoami">
            <span className="avatar" aria-hidden>
              {(me?.name || claims?.sub || '?').slice(0, 1).toUpperCase()}
            </span>
            <span>
              <span className="who-name" data-testid="user-name">
                {me?.name || claims?.sub}
              </span>
              <span className="who-meta">
                {claims?.org ? `${claims.org} · ` : ''}
                {roles.map((r) => t(`role.${r}` as MessageKey)).join(' / ') || t('role.none')}
              </span>
            </span>
          </div>
          <div className="topbar-actions">
            <label className="locale">
              <span className="sr-only">{t('locale.label')}</span>
              <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)} data-testid="locale-switch" aria-label={t('locale.label')}>
                {LOCALES.map((l) => (
                  <option key={l} value={l}>
                    {l === 'zh-CN' ? '简体中文' : 'English'}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="btn btn-ghost" onClick={() => signOut()} data-testid="signout">
              {t('signin.signOut')}
            </button>
          </div>
        </header>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
