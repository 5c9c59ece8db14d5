// The audit log, newest first (GET /api/v1/audit?limit=&cursor=&resource=), paged with a
// "Load more" button and filtered by resource (e.g. flags/checkout).
import { useEffect, useState } from 'preact/hooks';
import { listAudit, type AuditEntry } from '../api';
import { errorText, isUnauthorized, Notices } from './Notices';
import { when } from './Tokens';

const PAGE_SIZE = 50;

export function AuditPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [resource, setResource] = useState('');
  const [filter, setFilter] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');

  const load = async (after?: string) => {
    setLoading(true);
    try {
      const page = await listAudit(PAGE_SIZE, filter, after);
      setEntries((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor ?? null);
      setError('');
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    load();
  }, [filter]);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(resource.trim());
        }}
      >
        <label for="audit-resource">Resource</label>
        <input
          id="audit-resource"
          type="search"
          value={resource}
          placeholder="e.g. flags/checkout"
          onInput={(e) => setResource((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Filter</button>
        <span class="count" aria-live="polite">
          {loading
            ? 'Loading…'
            : `${entries.length}${cursor ? '+' : ''} entr${entries.length === 1 ? 'y' : 'ies'}`}
        </span>
      </form>
      <Notices error={error} />
      <table class="grid">
        <caption>Changes, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{when(e.at)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.resource}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button type="button" class="more" disabled={loading} onClick={() => load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
