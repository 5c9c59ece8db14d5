// The console's entry: a small client-side router under /ui/ (login, flags, tokens, audit log).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, getToken } from './session';
import { LoginPage } from './pages/Login';
import { FlagsPage } from './pages/Flags';
import { TokensPage } from './pages/Tokens';
import { AuditPage } from './pages/Audit';

type Page = 'login' | 'flags' | 'tokens' | 'audit';
const TITLES: Record<Page, string> = {
  login: 'Sign in',
  flags: 'Flags',
  tokens: 'Tokens',
  audit: 'Audit log',
};
const NAV: Page[] = ['flags', 'tokens', 'audit'];

function currentPage(): Page {
  if (!getToken()) return 'login';
  const name = location.pathname.replace(/^\/ui\/?/, '') as Page;
  return NAV.includes(name) ? name : 'flags';
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

function App() {
  const [page, setPage] = useState(currentPage());
  useEffect(() => {
    const onPop = () => setPage(currentPage());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    const want = `/ui/${page}`;
    if (location.pathname !== want) history.replaceState(null, '', want);
    document.title = `${TITLES[page]} · Governor`;
  }, [page]);

  const logout = () => {
    clearToken();
    navigate('/ui/login');
  };

  return (
    <>
      <header class="top">
        <span class="brand">Governor</span>
        {page !== 'login' && (
          <nav aria-label="Main">
            {NAV.map((p) => (
              <a
                key={p}
                href={`/ui/${p}`}
                aria-current={p === page ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/ui/${p}`);
                }}
              >
                {TITLES[p]}
              </a>
            ))}
          </nav>
        )}
        {page !== 'login' && (
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        )}
      </header>
      <main id="main">
        {page === 'login' && <LoginPage onLogin={() => navigate('/ui/flags')} />}
        {page === 'flags' && <FlagsPage onUnauthorized={logout} />}
        {page === 'tokens' && <TokensPage onUnauthorized={logout} />}
        {page === 'audit' && <AuditPage onUnauthorized={logout} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
