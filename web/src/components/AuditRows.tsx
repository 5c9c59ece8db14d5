import type { AuditEntry } from '../api';
import { when } from '../format';

// Table rows of audit entries: time, actor, action, and a last column the page chooses.
export function AuditRows<E extends AuditEntry>({
  entries,
  last,
}: {
  entries: E[];
  last: (e: E) => string;
}) {
  return (
    <>
      {entries.map((e) => (
        <tr key={e.seq}>
          <td>{when(e.at)}</td>
          <td>{e.actor}</td>
          <td>{e.action}</td>
          <td>{last(e)}</td>
        </tr>
      ))}
    </>
  );
}
