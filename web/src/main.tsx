// The console's entry: a two-page client-side router under /ui/ (login, flags).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, getToken } from './session';
import { LoginPage } from './pages/Login';
import { FlagsPage } from './pages/Flags';

function currentPage(): 'login' | 'flags' {
  if (!getToken()) return 'login';
  return 'flags';
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
    const want = page === 'login' ? '/ui/login' : '/ui/flags';
    if (location.pathname !== want) history.replaceState(null, '', want);
    document.title = page === 'login' ? 'Sign in · Governor' : 'Flags · Governor';
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
            <a href="/ui/flags" aria-current="page">
              Flags
            </a>
          </nav>
        )}
        {page !== 'login' && (
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        )}
      </header>
      <main id="main">
        {page === 'login' ? <LoginPage onLogin={() => navigate('/ui/flags')} /> : <FlagsPage onUnauthorized={logout} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
