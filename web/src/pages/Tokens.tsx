// API tokens: a paged table (GET /api/v1/tokens?limit=&cursor=), a form that creates one and
// shows its secret once, and revoking with a confirm step (DELETE /api/v1/tokens/{id}).
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  createToken,
  listEnvironments,
  listTokens,
  revokeToken,
  type Token,
  type TokenType,
} from '../api';
import { ConfirmButtons } from '../components/ConfirmButtons';
import { LoadMore } from '../components/LoadMore';
import { ColumnHeads } from '../components/ColumnHeads';
import { when } from '../format';
import { usePagedList } from '../hooks';
import { errorText, fieldErrorHelpers, isUnauthorized, Notices } from './Notices';

const PAGE_SIZE = 50;
const TYPES: TokenType[] = ['admin', 'client', 'frontend', 'viewer'];

export function TokensPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const list = usePagedList((after) => listTokens(PAGE_SIZE, after), [], onUnauthorized);
  const { items: tokens, loading, error, fail, reload } = list;
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);

  const revoke = async (t: Token) => {
    setConfirming(null);
    try {
      await revokeToken(t.id);
      setStatus(`Revoked ${t.name}.`);
      reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Tokens</h1>
      <NewTokenForm
        onCreated={(t) => {
          setStatus(`Created ${t.name}.`);
          reload();
        }}
        onUnauthorized={onUnauthorized}
      />
      <Notices error={error} status={status} />
      <table class="grid">
        <caption>API tokens{loading ? ' (loading…)' : ''}</caption>
        <ColumnHeads names={['Name', 'Type', 'Environment', 'Created', 'Expires', 'Actions']} />
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <th scope="row">{t.name}</th>
              <td>{t.type}</td>
              <td>{t.environment}</td>
              <td>{when(t.createdAt)}</td>
              <td>{when(t.expiresAt)}</td>
              <td class="actions">
                {t.revokedAt ? (
                  `Revoked ${when(t.revokedAt)}`
                ) : confirming === t.id ? (
                  <ConfirmButtons onConfirm={() => revoke(t)} onCancel={() => setConfirming(null)}>
                    Confirm revoking {t.name}
                  </ConfirmButtons>
                ) : (
                  <button
                    type="button"
                    class="plain"
                    aria-label={`Revoke ${t.name}`}
                    onClick={() => setConfirming(t.id)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore list={list}>Load more tokens</LoadMore>
    </section>
  );
}

type Field = 'type' | 'name' | 'environment';

function NewTokenForm({
  onCreated,
  onUnauthorized,
}: {
  onCreated: (t: Token) => void;
  onUnauthorized: () => void;
}) {
  const [type, setType] = useState<TokenType>('client');
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState('development');
  const [environments, setEnvironments] = useState<string[]>([]);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const perEnvironment = type === 'client' || type === 'frontend';

  useEffect(() => {
    listEnvironments()
      .then((r) => setEnvironments(r.items.map((e) => e.name)))
      .catch(() => setEnvironments(['development']));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFieldErrors({});
    setFormError('');
    setSecret('');
    try {
      const created = await createToken({
        type,
        name,
        ...(perEnvironment ? { environment } : {}),
      });
      setName('');
      setSecret(created.secret);
      onCreated(created);
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      const field = err instanceof ApiError ? err.field : undefined;
      if (field === 'type' || field === 'name' || field === 'environment') {
        setFieldErrors({ [field]: (err as Error).message });
      } else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const { invalid, fieldError } = fieldErrorHelpers(fieldErrors, (f) => `new-token-${f}-error`);

  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      <div class="fields">
        <div>
          <label for="new-token-type">Type</label>
          <select
            id="new-token-type"
            value={type}
            {...invalid('type')}
            onChange={(e) => setType((e.target as HTMLSelectElement).value as TokenType)}
          >
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {fieldError('type')}
        </div>
        <div>
          <label for="new-token-name">Token name</label>
          <input
            id="new-token-name"
            value={name}
            autocomplete="off"
            {...invalid('name')}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          {fieldError('name')}
        </div>
        {perEnvironment && (
          <div>
            <label for="new-token-environment">Environment</label>
            <select
              id="new-token-environment"
              value={environment}
              {...invalid('environment')}
              onChange={(e) => setEnvironment((e.target as HTMLSelectElement).value)}
            >
              {environments.map((env) => (
                <option key={env} value={env}>
                  {env}
                </option>
              ))}
            </select>
            {fieldError('environment')}
          </div>
        )}
        <button type="submit" disabled={busy}>
          Create token
        </button>
      </div>
      <Notices error={formError} />
      {secret && (
        <div class="secret">
          <label for="new-token-secret">Secret</label>
          <input id="new-token-secret" readOnly value={secret} />
          <p>This secret is shown only once: copy it now. Governor keeps only its hash.</p>
        </div>
      )}
    </form>
  );
}
