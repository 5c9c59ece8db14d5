// Sign in with an admin token: checked with GET /api/v1/environments, then kept in
// sessionStorage for this tab.
import { useState } from 'preact/hooks';
import { ApiError, listEnvironments } from '../api';
import { errorText } from './Notices';
import { setToken } from '../session';

export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [token, setTokenInput] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter an admin token.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await listEnvironments(t);
      setToken(t);
      onLogin();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setError(`The server refused this token: ${err.message}`);
      } else {
        setError(`Could not reach Governor: ${errorText(err)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <p>Paste an admin token. It stays in this tab only and is forgotten when the tab closes.</p>
      <form onSubmit={submit} noValidate>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          value={token}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error' : undefined}
          onInput={(e) => setTokenInput((e.target as HTMLInputElement).value)}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
