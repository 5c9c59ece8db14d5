// The console's entry: a small client-side router under /ui/. Each route is a path pattern
// ({} matches one path segment) and the page that renders it; the nav lists the top-level pages.
import type { ComponentType } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, getToken } from './session';
import { Link, navigate, type PageProps } from './router';
import { LoginPage } from './pages/Login';
import { FlagsPage } from './pages/Flags';
import { FlagPage } from './pages/FlagEditor';
import { ApplicationsPage } from './pages/Applications';
import { SegmentsPage } from './pages/Segments';
import { TokensPage } from './pages/Tokens';
import { AuditPage } from './pages/Audit';
import { TargetsPage } from './pages/Targets';
import { TargetPage } from './pages/Target';
import { ExperimentsPage } from './pages/Experiments';
import { ExperimentPage } from './pages/Experiment';
import { ReleasePlansPage } from './pages/ReleasePlans';
import { ReleasePlanPage } from './pages/ReleasePlan';

interface Route {
  pattern: string;  // under /ui/, e.g. 'flags/{}'
  title: (params: string[]) => string;
  page: ComponentType<PageProps>;
  nav?: string;  // the nav entry's label, for top-level pages
}

const ROUTES: Route[] = [
  { pattern: 'flags', title: () => 'Flags', page: FlagsPage, nav: 'Flags' },
  { pattern: 'flags/{}', title: ([name]) => `Flag ${name}`, page: FlagPage },
  { pattern: 'segments', title: () => 'Segments', page: SegmentsPage, nav: 'Segments' },
  {
    pattern: 'applications',
    title: () => 'Applications',
    page: ApplicationsPage,
    nav: 'Applications',
  },
  { pattern: 'targets', title: () => 'Targets', page: TargetsPage, nav: 'Targets' },
  { pattern: 'targets/{}', title: ([name]) => `Target ${name}`, page: TargetPage },
  { pattern: 'experiments', title: () => 'Experiments', page: ExperimentsPage, nav: 'Experiments' },
  { pattern: 'experiments/{}', title: ([key]) => `Experiment ${key}`, page: ExperimentPage },
  {
    pattern: 'release-plans',
    title: () => 'Release plans',
    page: ReleasePlansPage,
    nav: 'Release plans',
  },
  { pattern: 'release-plans/{}', title: ([name]) => `Release plan ${name}`, page: ReleasePlanPage },
  { pattern: 'tokens', title: () => 'Tokens', page: TokensPage, nav: 'Tokens' },
  { pattern: 'audit', title: () => 'Audit log', page: AuditPage, nav: 'Audit log' },
];

interface Match {
  route: Route | null;  // null: the login page
  params: string[];
}

function match(path: string): Match | null {
  const parts = path.split('/');
  for (const route of ROUTES) {
    const want = route.pattern.split('/');
    if (want.length !== parts.length) continue;
    const params: string[] = [];
    if (want.every((w, i) => (w === '{}' ? parts[i] !== '' && params.push(parts[i]) > 0 : w === parts[i]))) {
      try {
        return { route, params: params.map(decodeURIComponent) };
      } catch {
        return null;
      }
    }
  }
  return null;
}

function current(): Match {
  if (!getToken()) return { route: null, params: [] };
  return match(location.pathname.replace(/^\/ui\/?/, '')) ?? { route: ROUTES[0], params: [] };
}

function pathOf({ route, params }: Match): string {
  if (!route) return '/ui/login';
  let i = 0;
  return `/ui/${route.pattern.replace(/\{\}/g, () => encodeURIComponent(params[i++]))}`;
}

function App() {
  const [m, setM] = useState(current());
  useEffect(() => {
    const onPop = () => setM(current());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    const want = pathOf(m);
    if (location.pathname !== want) history.replaceState(null, '', want);
    document.title = `${m.route ? m.route.title(m.params) : 'Sign in'} · Governor`;
  }, [m]);

  const logout = () => {
    clearToken();
    navigate('/ui/login');
  };
  // The nav entry of the page shown, or of its list page (flags/x belongs to flags).
  const section = m.route?.pattern.split('/')[0];
  const Page = m.route?.page;

  return (
    <>
      <header class="top">
        <span class="brand">Governor</span>
        {m.route && (
          <nav aria-label="Main">
            {ROUTES.filter((r) => r.nav).map((r) => (
              <Link
                key={r.pattern}
                href={`/ui/${r.pattern}`}
                aria-current={r.pattern === section ? 'page' : undefined}
              >
                {r.nav!}
              </Link>
            ))}
          </nav>
        )}
        {m.route && (
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        )}
      </header>
      <main id="main">
        {!Page && <LoginPage onLogin={() => navigate('/ui/flags')} />}
        {Page && <Page key={pathOf(m)} params={m.params} onUnauthorized={logout} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
