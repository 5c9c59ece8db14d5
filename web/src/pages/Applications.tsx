// Applications: the SDK instances that registered or fetched flags (GET /api/v1/applications),
// one table per app: instance, SDK and version, environment, how it fetches its flags (polling
// or streaming) and when it was last seen (relative, with the absolute time beside it).
// Filtered by environment (the API's `environment` query), sorted by last seen or instance,
// refreshed on demand.
import { useEffect, useState } from 'preact/hooks';
import { listEnvironments } from '../api';
import { listApplications, splitSdkVersion, type SdkInstance } from '../apis/applications';
import { dateTime, plural, relativeTime } from '../format';
import { useFail, useLoading } from '../hooks';
import type { PageProps } from '../router';
import { Notices } from './Notices';
import './applications.css';
import { ColumnHeads } from '../components/ColumnHeads';

type SortKey = 'lastSeen' | 'instance';

// 60000 as "1 min", 3600000 as "1 h", 15000 as "15 s"; "—" for 0 (not registered).
function interval(ms: number): string {
  if (!ms) return '—';
  if (ms % 3600000 === 0) return `${ms / 3600000} h`;
  if (ms % 60000 === 0) return `${ms / 60000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

// The instances grouped by app (apps by name), each group sorted by `sort`.
function groupByApp(items: SdkInstance[], sort: SortKey): [string, SdkInstance[]][] {
  const groups = new Map<string, SdkInstance[]>();
  for (const i of items) {
    const list = groups.get(i.appName);
    if (list) list.push(i);
    else groups.set(i.appName, [i]);
  }
  const byInstance = (a: SdkInstance, b: SdkInstance) =>
    a.instanceId.localeCompare(b.instanceId) || a.environment.localeCompare(b.environment);
  const byLastSeen = (a: SdkInstance, b: SdkInstance) =>
    Date.parse(b.lastSeen) - Date.parse(a.lastSeen) || byInstance(a, b);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, list]) => [app, [...list].sort(sort === 'lastSeen' ? byLastSeen : byInstance)]);
}

function Mode({ mode }: { mode: SdkInstance['connectionMode'] }) {
  if (!mode) return <span class="app-mode unknown">Unknown</span>;
  return <span class={`app-mode ${mode}`}>{mode === 'streaming' ? 'Streaming' : 'Polling'}</span>;
}

function AppTable({
  app,
  index,
  instances,
  now,
}: {
  app: string;
  index: number;
  instances: SdkInstance[];
  now: number;
}) {
  const id = `app-group-${index}`;
  const streaming = instances.filter((i) => i.connectionMode === 'streaming').length;
  return (
    <section class="app-group" aria-labelledby={id}>
      <h2 id={id}>
        {app}{' '}
        <span class="app-summary">
          {instances.length} instance{instances.length === 1 ? '' : 's'}
          {streaming > 0 && `, ${streaming} streaming`}
        </span>
      </h2>
      <table class="grid app-table">
        <caption class="visually-hidden">Instances of {app}</caption>
        <colgroup>
          <col class="app-col-instance" />
          <col class="app-col-sdk" />
          <col class="app-col-version" />
          <col class="app-col-env" />
          <col class="app-col-mode" />
          <col class="app-col-seen" />
          <col class="app-col-started" />
          <col class="app-col-interval" />
        </colgroup>
        <ColumnHeads names={['Instance', 'SDK', 'Version', 'Environment', 'Connection', 'Last seen', 'Started', 'Metrics interval']} />
        <tbody>
          {instances.map((i) => {
            const sdk = splitSdkVersion(i.sdkVersion);
            return (
              <tr key={`${i.environment}\n${i.instanceId}`}>
                <th scope="row" class="app-instance">
                  {i.instanceId}
                  {!i.registeredAt && <span class="app-note"> (not registered)</span>}
                </th>
                <td>{sdk.name || '—'}</td>
                <td>{sdk.version || '—'}</td>
                <td>{i.environment}</td>
                <td>
                  <Mode mode={i.connectionMode} />
                </td>
                <td>
                  <time dateTime={i.lastSeen}>{relativeTime(i.lastSeen, now)}</time>
                  <span class="app-absolute">{dateTime(i.lastSeen)}</span>
                </td>
                <td>
                  <time dateTime={i.startedAt}>{dateTime(i.startedAt)}</time>
                </td>
                <td>{interval(i.metricsIntervalMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function ApplicationsPage({ onUnauthorized }: PageProps) {
  const [items, setItems] = useState<SdkInstance[] | null>(null);
  const [environments, setEnvironments] = useState<string[]>([]);
  const [environment, setEnvironment] = useState('');
  const [sort, setSort] = useState<SortKey>('lastSeen');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [now, setNow] = useState(() => Date.now());
  const fail = useFail(onUnauthorized, setError);
  const [loading, run] = useLoading(fail);

  const load = (env: string) =>
    run(async () => {
      const page = await listApplications(env || undefined);
      setItems(page.items);
      setNow(Date.now());
      setError('');
      setStatus(
        `Loaded ${plural(page.items.length, 'instance')} at ${new Date().toLocaleTimeString()}`,
      );
    });

  useEffect(() => {
    listEnvironments()
      .then((page) => setEnvironments(page.items.map((e) => e.name)))
      .catch(fail);
  }, []);

  useEffect(() => {
    load(environment);
  }, [environment]);

  // Keeps "… ago" current between refreshes.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15000);
    return () => clearInterval(timer);
  }, []);

  const groups = items ? groupByApp(items, sort) : [];
  return (
    <section aria-labelledby="applications-title">
      <h1 id="applications-title">Applications</h1>
      <p class="app-intro">
        SDK instances that registered or fetched flags with a client token, grouped by app.
      </p>
      <div class="toolbar app-toolbar">
        <label for="applications-environment">Environment</label>
        <select
          id="applications-environment"
          value={environment}
          onChange={(e) => setEnvironment((e.target as HTMLSelectElement).value)}
        >
          <option value="">All environments</option>
          {environments.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <label for="applications-sort">Sort instances by</label>
        <select
          id="applications-sort"
          value={sort}
          onChange={(e) => setSort((e.target as HTMLSelectElement).value as SortKey)}
        >
          <option value="lastSeen">Last seen (newest first)</option>
          <option value="instance">Instance ID</option>
        </select>
        <button type="button" disabled={loading} onClick={() => load(environment)}>
          Refresh
        </button>
        <span class="count">
          {items === null
            ? 'Loading…'
            : `${plural(groups.length, 'app')}, ${plural(items.length, 'instance')}`}
        </span>
      </div>
      <Notices error={error} status={status} />
      {items !== null && items.length === 0 && (
        <div class="panel app-empty">
          <h2>No applications yet</h2>
          <p>
            {environment
              ? `No SDK instance has registered or fetched flags in ${environment}.`
              : 'No SDK instance has registered or fetched flags.'}{' '}
            Point an Unleash SDK at this server's <code>/api</code> URL with a client token
            (created on the Tokens page); it appears here once it registers or fetches its flags.
          </p>
        </div>
      )}
      {groups.map(([app, instances], index) => (
        <AppTable key={app} app={app} index={index} instances={instances} now={now} />
      ))}
    </section>
  );
}
