// The flag editor's evaluations per hour (GET /api/v1/flags/{name}/metrics), all environments or
// one, as a chart with the same numbers as a table.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { flagMetrics, type FlagMetricsItem } from '../../apis/flags';
import { TimeChart } from '../../charts/TimeChart';
import { dateTime } from '../../format';
import { useFail, useLoading } from '../../hooks';
import { Notices } from '../Notices';
import { ColumnHeads } from '../../components/ColumnHeads';

const HOUR = 3600;
const MAX_HOURS = 24 * 31;

// Yes/no per hour (summed over apps), every hour from the first to the last one reported.
function perHour(items: FlagMetricsItem[]): { x: number[]; yes: number[]; no: number[] } {
  const byHour = new Map<number, { yes: number; no: number }>();
  for (const it of items) {
    const h = Math.floor(Date.parse(it.hour) / 1000 / HOUR) * HOUR;
    if (!Number.isFinite(h)) continue;
    const cur = byHour.get(h) ?? { yes: 0, no: 0 };
    cur.yes += it.yes ?? 0;
    cur.no += it.no ?? 0;
    byHour.set(h, cur);
  }
  const x: number[] = [];
  const yes: number[] = [];
  const no: number[] = [];
  if (byHour.size === 0) return { x, yes, no };
  const hours = [...byHour.keys()];
  const last = Math.max(...hours);
  const first = Math.max(Math.min(...hours), last - (MAX_HOURS - 1) * HOUR);
  for (let h = first; h <= last; h += HOUR) {
    const v = byHour.get(h);
    x.push(h);
    yes.push(v?.yes ?? 0);
    no.push(v?.no ?? 0);
  }
  return { x, yes, no };
}

export function MetricsSection({
  name,
  envs,
  onUnauthorized,
}: {
  name: string;
  envs: string[];
  onUnauthorized: () => void;
}) {
  const [environment, setEnvironment] = useState('');
  const [items, setItems] = useState<FlagMetricsItem[] | null>(null);
  const [error, setError] = useState('');
  const [loading, run] = useLoading(useFail(onUnauthorized, setError));

  const load = () =>
    run(async () => {
      const r = await flagMetrics(name, environment);
      setItems(r.items ?? []);
      setError('');
    });

  useEffect(() => {
    load();
  }, [name, environment]);

  const data = useMemo(() => perHour(items ?? []), [items]);
  const series = useMemo(
    () => [
      { label: 'Yes (on)', values: data.yes, color: '#1d5e2f', points: true },
      { label: 'No (off)', values: data.no, color: '#b00020', dash: [6, 4], points: true },
    ],
    [data],
  );
  const totalYes = data.yes.reduce((a, b) => a + b, 0);
  const totalNo = data.no.reduce((a, b) => a + b, 0);
  const where = environment ? ` in ${environment}` : '';

  return (
    <section aria-labelledby="fe-metrics-title" class="fe-section">
      <h2 id="fe-metrics-title">Evaluations per hour</h2>
      <div class="toolbar">
        <label for="fe-metrics-env">Environment</label>
        <select
          id="fe-metrics-env"
          value={environment}
          onChange={(e) => setEnvironment((e.target as HTMLSelectElement).value)}
        >
          <option value="">All environments</option>
          {envs.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
        <button type="button" class="plain" disabled={loading} onClick={load}>
          Refresh metrics
        </button>
        <span class="count" aria-live="polite">
          {loading
            ? 'Loading…'
            : items && data.x.length > 0
              ? `${totalYes} yes, ${totalNo} no over ${data.x.length} ` +
                `hour${data.x.length === 1 ? '' : 's'}`
              : ''}
        </span>
      </div>
      <Notices error={error} />
      {items && data.x.length === 0 && (
        <p class="fe-empty">
          No evaluation metrics for this flag{where} yet. SDKs report them to
          /api/client/metrics.
        </p>
      )}
      {data.x.length > 0 && (
        <>
          <TimeChart
            label={`Evaluations of ${name}${where} per hour: ${totalYes} yes and ${totalNo} no`}
            x={data.x}
            series={series}
            height={240}
            yLabel="evaluations"
          />
          <details class="fe-details">
            <summary>Evaluations per hour as a table</summary>
            <table class="grid">
              <caption>Evaluations of {name}{where} per hour, newest first</caption>
              <ColumnHeads names={['Hour', 'Yes', 'No']} />
              <tbody>
                {data.x
                  .map((h, i) => ({ h, i }))
                  .filter(({ i }) => data.yes[i] || data.no[i])
                  .reverse()
                  .map(({ h, i }) => (
                    <tr key={h}>
                      <td>{dateTime(h * 1000)}</td>
                      <td>{data.yes[i]}</td>
                      <td>{data.no[i]}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}
