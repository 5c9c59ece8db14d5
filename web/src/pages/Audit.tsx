// The audit log, newest first (GET /api/v1/audit?limit=&cursor=&resource=), paged with a
// "Load more" button and filtered by resource (e.g. flags/checkout).
import { useState } from 'preact/hooks';
import { listAudit } from '../api';
import { LoadMore } from '../components/LoadMore';
import { AuditRows } from '../components/AuditRows';
import { ColumnHeads } from '../components/ColumnHeads';
import { usePagedList } from '../hooks';
import { Notices } from './Notices';

const PAGE_SIZE = 50;

export function AuditPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const [resource, setResource] = useState('');
  const [filter, setFilter] = useState('');
  const list = usePagedList(
    (after) => listAudit(PAGE_SIZE, filter, after),
    [filter],
    onUnauthorized,
  );
  const { items: entries, loading, error } = list;

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
            : `${entries.length}${list.more ? '+' : ''} entr${entries.length === 1 ? 'y' : 'ies'}`}
        </span>
      </form>
      <Notices error={error} />
      <table class="grid">
        <caption>Changes, newest first</caption>
        <ColumnHeads names={['Time', 'Actor', 'Action', 'Resource']} />
        <tbody>
          <AuditRows entries={entries} last={(e) => e.resource} />
        </tbody>
      </table>
      <LoadMore list={list}>Load more</LoadMore>
    </section>
  );
}
