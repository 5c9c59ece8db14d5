// The autoscaling targets (GET /api/v1/targets?limit=&cursor=): each target's current, desired,
// minimum and maximum replicas, its mode and when it last decided; a name opens the target.
import { listTargets } from '../apis/targets';
import { LoadMore } from '../components/LoadMore';
import { when } from '../format';
import { usePagedList } from '../hooks';
import { Link, type PageProps } from '../router';
import { Notices } from './Notices';
import './targets.css';

const PAGE_SIZE = 100;

export const modeText = (mode?: string) => (mode === 'dryRun' ? 'dry run' : 'active');

export const count = (n?: number | null) => (n === null || n === undefined ? '—' : String(n));

export function TargetsPage({ onUnauthorized }: PageProps) {
  const list = usePagedList((after) => listTargets(PAGE_SIZE, after), [], onUnauthorized, {
    initiallyLoading: true,
  });
  const { items: targets, loading, error } = list;

  return (
    <section aria-labelledby="targets-title" class="targets-page">
      <h1 id="targets-title">Targets</h1>
      <p class="toolbar">
        <span class="count" aria-live="polite">
          {loading
            ? 'Loading…'
            : `${targets.length}${list.more ? '+' : ''} target${targets.length === 1 ? '' : 's'}`}
        </span>
      </p>
      <Notices error={error} />
      <table class="grid targets">
        <caption>Autoscaling targets</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" class="num">Current</th>
            <th scope="col" class="num">Desired</th>
            <th scope="col" class="num">Min</th>
            <th scope="col" class="num">Max</th>
            <th scope="col">Mode</th>
            <th scope="col">Last decision</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {targets.map((t) => (
            <tr key={t.name}>
              <th scope="row">
                <Link href={`/ui/targets/${encodeURIComponent(t.name)}`}>{t.name}</Link>
              </th>
              <td class="num">{count(t.status.replicas)}</td>
              <td class="num">{count(t.status.desiredReplicas)}</td>
              <td class="num">{count(t.spec.minReplicas)}</td>
              <td class="num">{count(t.spec.maxReplicas)}</td>
              <td>
                <span class={`mode mode-${t.spec.mode ?? 'active'}`}>{modeText(t.spec.mode)}</span>
              </td>
              <td>{when(t.status.lastDecision?.at ?? t.status.lastSyncAt)}</td>
              <td>{t.status.lastDecision?.reason ?? '—'}</td>
            </tr>
          ))}
          {!loading && !error && targets.length === 0 && (
            <tr>
              <td colSpan={8}>
                No targets yet: add them to the config file's <code>targets:</code> or create them
                with <code>POST /api/v1/targets</code>.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <LoadMore list={list}>Load more</LoadMore>
    </section>
  );
}
