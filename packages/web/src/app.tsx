import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Route, Router, Switch, useLocation } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { ApiError, get, post, setUnauthorizedHandler, type User } from './api';
import { useLiveUpdates } from './live';
import { AccountPage } from './pages/account';
import { AuditPage } from './pages/audit';
import { DeviceDetailPage } from './pages/device-detail';
import { DevicesPage } from './pages/devices';
import { EnergySourcesPage } from './pages/energy-sources';
import { LoginPage, SetupPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { PlaybookEditorPage, PlaybooksPage } from './pages/playbooks';
import { ReplayPage } from './pages/replay';
import { SchedulesPage } from './pages/schedules';
import { SentriesPage, SentryDetailPage } from './pages/sentries';
import { SolarPage } from './pages/solar';
import { TemplatesPage } from './pages/templates';
import { UsersPage } from './pages/users';
import { type Session, SessionContext, useSession } from './session';
import { ErrorText, Loading } from './ui';

type Theme = 'auto' | 'light' | 'dark';

function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('mrm-theme') as Theme) || 'auto');
  useEffect(() => {
    localStorage.setItem('mrm-theme', theme);
    if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
  }, [theme]);
  return [theme, setTheme];
}

/** Signed in? Else first-run setup or sign-in. The session itself is the httpOnly cookie. */
export function App() {
  const qc = useQueryClient();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => get<User>('/api/v1/auth/me'),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const unauthorized = me.error instanceof ApiError && me.error.status === 401;
  const setup = useQuery({
    queryKey: ['setup'],
    queryFn: () => get<{ needed: boolean }>('/api/v1/setup'),
    enabled: unauthorized,
  });
  useEffect(() => {
    setUnauthorizedHandler(() => {
      void qc.resetQueries({ queryKey: ['me'] });
    });
  }, [qc]);
  const signedIn = useCallback(
    (user: User) => {
      // Observers stay attached to the cached queries, so replace data rather than clearing the cache.
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      qc.setQueryData(['me'], user);
    },
    [qc],
  );

  if (me.isPending) return <Loading what="the dashboard" />;
  if (unauthorized) {
    if (setup.isPending) return <Loading what="the dashboard" />;
    if (setup.data?.needed) return <SetupPage onDone={signedIn} />;
    return <LoginPage onDone={signedIn} setupError={setup.error} />;
  }
  if (me.error || !me.data) {
    return (
      <main className="centered">
        <ErrorText error={me.error} prefix="The dashboard could not start" />
        <button type="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  return <SignedIn user={me.data} />;
}

function SignedIn({ user }: { user: User }) {
  const qc = useQueryClient();
  const session = useMemo<Session>(
    () => ({
      user,
      async signOut() {
        try {
          await post('/api/v1/auth/logout');
        } finally {
          window.location.hash = '#/';
          qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
          void qc.resetQueries({ queryKey: ['me'] });
        }
      },
      async refresh() {
        await qc.invalidateQueries({ queryKey: ['me'] });
      },
    }),
    [user, qc],
  );
  return (
    <SessionContext.Provider value={session}>
      <Router hook={useHashLocation}>
        <Shell>
          <Switch>
            <Route path="/" component={OverviewPage} />
            <Route path="/devices" component={DevicesPage} />
            <Route path="/devices/:id">{(p) => <DeviceDetailPage id={p.id} />}</Route>
            <Route path="/sentries" component={SentriesPage} />
            <Route path="/sentries/:id">{(p) => <SentryDetailPage id={p.id} />}</Route>
            <Route path="/templates" component={TemplatesPage} />
            <Route path="/playbooks" component={PlaybooksPage} />
            <Route path="/playbooks/new" component={PlaybookEditorPage} />
            <Route path="/playbooks/new/:rigs" component={PlaybookEditorPage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/users" component={UsersPage} />
            <Route path="/account" component={AccountPage} />
            <Route path="/energy" component={SolarPage} />
            <Route path="/energy/sources" component={EnergySourcesPage} />
            <Route path="/energy/schedules" component={SchedulesPage} />
            <Route path="/energy/replay" component={ReplayPage} />
            <Route path="/alerts">
              <ComingSoon title="Alerts" issue="the alerts issue" />
            </Route>
            <Route>
              <section>
                <h1>Page not found</h1>
                <p>
                  <Link href="/">Back to the overview</Link>
                </p>
              </section>
            </Route>
          </Switch>
        </Shell>
      </Router>
    </SessionContext.Provider>
  );
}

function ComingSoon({ title, issue }: { title: string; issue: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p className="empty">
        This page arrives with {issue}. Until then, the rest of the dashboard works as usual.
      </p>
    </section>
  );
}

const nav: { href: string; label: string; admin?: boolean; soon?: boolean }[] = [
  { href: '/', label: 'Overview' },
  { href: '/devices', label: 'Devices' },
  { href: '/sentries', label: 'Sentries' },
  { href: '/templates', label: 'Templates' },
  { href: '/playbooks', label: 'Playbooks' },
  { href: '/energy', label: 'Solar & schedules' },
  { href: '/alerts', label: 'Alerts', soon: true },
  { href: '/audit', label: 'Audit log' },
  { href: '/users', label: 'Users', admin: true },
];

function Shell({ children }: { children: ReactNode }) {
  const [location] = useLocation();
  const [theme, setTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const live = useLiveUpdates(true);
  const session = useSession();
  const active = (href: string) => (href === '/' ? location === '/' : location.startsWith(href));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <span className="brand">Mining Rig Monitor</span>
        <span className={`live live-${live}`} title="Live updates" data-testid="live-state">
          {live === 'live' ? 'live' : live}
        </span>
        <label className="theme">
          <span className="visually-hidden">Theme</span>
          <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
            <option value="auto">Auto theme</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <Link href="/account" className="user">
          {session.user.username} ({session.user.role})
        </Link>
        <button type="button" className="small" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <nav id="nav" className={menuOpen ? 'open' : ''} aria-label="Main">
        <ul>
          {nav
            .filter((n) => !n.admin || session.user.role === 'admin')
            .map((n) => (
              <li key={n.href}>
                <Link
                  onClick={() => setMenuOpen(false)}
                  href={n.href}
                  className={active(n.href) ? 'active' : ''}
                  aria-current={active(n.href) ? 'page' : undefined}
                >
                  {n.label}
                  {n.soon ? <span className="soon">soon</span> : null}
                </Link>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
