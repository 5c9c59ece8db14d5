// The flag editor's audit history: GET /api/v1/audit?resource=flags/{name}, newest first, a page
// at a time; reloaded whenever `tick` changes (after each change the page makes).
import type { AuditEntry, Page } from '../../api';
import { flagAudit, type FlagDetail } from '../../apis/flags';
import { LoadMore } from '../../components/LoadMore';
import { AuditRows } from '../../components/AuditRows';
import { ColumnHeads } from '../../components/ColumnHeads';
import { usePagedList } from '../../hooks';
import { Notices } from '../Notices';

const AUDIT_PAGE = 20;

type FullAuditEntry = AuditEntry & { before?: unknown; after?: unknown };

// What an audit entry changed, e.g. "development: strategies; production: on".
function changeSummary(e: FullAuditEntry): string {
  const before = (e.before ?? null) as FlagDetail | null;
  const after = (e.after ?? null) as FlagDetail | null;
  if (!before || !after) return '';
  const parts: string[] = [];
  for (const f of ['description', 'type', 'stale', 'impressionData'] as const) {
    if (JSON.stringify(before[f]) !== JSON.stringify(after[f])) parts.push(f);
  }
  const envNames = new Set([
    ...Object.keys(before.environments ?? {}),
    ...Object.keys(after.environments ?? {}),
  ]);
  for (const env of envNames) {
    const b = before.environments?.[env] ?? {};
    const a = after.environments?.[env] ?? {};
    const what: string[] = [];
    if (!!b.enabled !== !!a.enabled) what.push(a.enabled ? 'turned on' : 'turned off');
    if (JSON.stringify(b.strategies ?? []) !== JSON.stringify(a.strategies ?? []))
      what.push('strategies');
    if (JSON.stringify(b.variants ?? []) !== JSON.stringify(a.variants ?? [])) {
      what.push('variants');
    }
    if (what.length) parts.push(`${env}: ${what.join(', ')}`);
  }
  return parts.join('; ');
}

export function AuditSection({
  name,
  tick,
  onUnauthorized,
}: {
  name: string;
  tick: number;
  onUnauthorized: () => void;
}) {
  const list = usePagedList(
    (after): Promise<Page<FullAuditEntry>> => flagAudit(name, AUDIT_PAGE, after),
    [name, tick],
    onUnauthorized,
  );
  const { items: entries, loading, error } = list;

  return (
    <section aria-labelledby="fe-audit-title" class="fe-section">
      <h2 id="fe-audit-title">History</h2>
      <Notices error={error} />
      <table class="grid fe-audit">
        <caption>Changes to {name}, newest first</caption>
        <ColumnHeads names={['Time', 'Actor', 'Action', 'What changed']} />
        <tbody>
          <AuditRows entries={entries} last={changeSummary} />
          {!loading && entries.length === 0 && (
            <tr>
              <td colSpan={4}>No changes recorded.</td>
            </tr>
          )}
        </tbody>
      </table>
      <LoadMore list={list}>Load more history</LoadMore>
    </section>
  );
}
