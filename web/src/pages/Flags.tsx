// The flags list: server-side search and paging (GET /api/v1/flags?q=&limit=&cursor=), a
// virtualized list with an on/off switch per environment, and a form to create a flag.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  createFlag,
  listEnvironments,
  listFlags,
  setFlagEnabled,
  type Flag,
} from '../api';
import { useFail } from '../hooks';
import { Link } from '../router';
import { errorText, isUnauthorized, Notices } from './Notices';
import { VirtualList } from './VirtualList';

const PAGE_SIZE = 100;
const ROW_HEIGHT = 48;

export function FlagsPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const [environments, setEnvironments] = useState<string[]>([]);
  const [flags, setFlags] = useState<Flag[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const generation = useRef(0);

  const fail = useFail(onUnauthorized, setError);

  // Loads the first page for `q`, or the page after `after`; answers to an older search are
  // dropped.
  const load = useCallback(
    async (q: string, after?: string) => {
      const gen = after ? generation.current : ++generation.current;
      setLoading(true);
      try {
        const page = await listFlags(q, PAGE_SIZE, after);
        if (gen !== generation.current) return;
        setFlags((old) => (after ? [...old, ...page.items] : page.items));
        setCursor(page.nextCursor ?? null);
        setError('');
      } catch (err) {
        if (gen === generation.current) fail(err);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [fail],
  );

  useEffect(() => {
    listEnvironments()
      .then((r) => setEnvironments(r.items.map((e) => e.name)))
      .catch(fail);
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => load(query), query ? 200 : 0);
    return () => clearTimeout(timer);
  }, [query]);

  const loadMore = () => {
    if (cursor && !loading) load(query, cursor);
  };

  const replace = (updated: Flag) =>
    setFlags((old) => old.map((f) => (f.name === updated.name ? updated : f)));

  const toggle = async (flag: Flag, env: string) => {
    const on = !flag.environments[env]?.enabled;
    try {
      replace(await setFlagEnabled(flag.name, env, on));
      setStatus(`${flag.name} is now ${on ? 'on' : 'off'} in ${env}.`);
    } catch (err) {
      fail(err);
    }
  };

  return (
    <section aria-labelledby="flags-title">
      <h1 id="flags-title">Flags</h1>
      <NewFlagForm
        onCreated={(f) => {
          setStatus(`Created ${f.name}.`);
          load(query);
        }}
        onUnauthorized={onUnauthorized}
      />
      <div class="toolbar">
        <label for="flag-search">Search flags</label>
        <input
          id="flag-search"
          type="search"
          value={query}
          placeholder="Name contains…"
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <span class="count" aria-live="polite">
          {loading ? 'Loading…' : `${flags.length}${cursor ? '+' : ''} flag${flags.length === 1 ? '' : 's'}`}
        </span>
      </div>
      <Notices error={error} status={status} />
      <div class="vhead" aria-hidden="true">
        <span class="name">Name</span>
        {environments.map((env) => (
          <span key={env} class="env">
            {env}
          </span>
        ))}
      </div>
      <VirtualList
        items={flags}
        rowHeight={ROW_HEIGHT}
        label="Flag list"
        onNearEnd={loadMore}
        renderRow={(flag) => (
          <div class="flag-row">
            <span class="name" title={flag.name}>
              <Link href={`/ui/flags/${encodeURIComponent(flag.name)}`}>{flag.name}</Link>
            </span>
            {environments.map((env) => {
              const on = !!flag.environments[env]?.enabled;
              return (
                <span key={env} class="env">
                  <button
                    type="button"
                    role="switch"
                    class="switch"
                    aria-checked={on}
                    aria-label={`${flag.name} in ${env}`}
                    onClick={() => toggle(flag, env)}
                  >
                    {on ? 'On' : 'Off'}
                  </button>
                </span>
              );
            })}
          </div>
        )}
      />
      {cursor && (
        <button type="button" class="more" disabled={loading} onClick={loadMore}>
          Load more flags
        </button>
      )}
    </section>
  );
}

function NewFlagForm({
  onCreated,
  onUnauthorized,
}: {
  onCreated: (f: Flag) => void;
  onUnauthorized: () => void;
}) {
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFieldError('');
    setFormError('');
    try {
      const created = await createFlag(name);
      setName('');
      onCreated(created);
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      if (err instanceof ApiError && err.field === 'name') setFieldError(err.message);
      else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-flag" onSubmit={submit} noValidate aria-labelledby="new-flag-title">
      <h2 id="new-flag-title">New flag</h2>
      <div class="field">
        <label for="new-flag-name">Name</label>
        <input
          id="new-flag-name"
          name="name"
          value={name}
          autocomplete="off"
          aria-invalid={fieldError ? 'true' : undefined}
          aria-describedby={fieldError ? 'new-flag-name-error' : undefined}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          Create flag
        </button>
      </div>
      {fieldError && (
        <p id="new-flag-name-error" class="field-error" role="alert">
          {fieldError}
        </p>
      )}
      <Notices error={formError} />
    </form>
  );
}
