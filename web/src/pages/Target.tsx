// One autoscaling target: its spec and status (GET /api/v1/targets/{name}), a chart of its
// replicas against each metric's value and target over a chosen range, the forecast band when
// the target has predictive scaling (GET .../forecast, .../capacity), and its decisions, newest
// first, each expandable to the explanation the API recorded (GET .../decisions).
//
// Live updates: once the range's decisions are read, the page follows GET .../decisions/stream
// (server-sent events), opened with the STREAM_LAST newest decisions so that none made between
// the read and the stream opening is missed. Each decision is merged by id (one seen again
// replaces its copy), and what arrives is applied at most every COALESCE_MS, so the chart is not
// rebuilt for each event. The stream is closed while the tab is hidden and opened again when it
// shows; whenever a connection opens past the decisions shown (more were made meanwhile than it
// opens with), the range is read again. A role=status line says whether the stream is live.
// No stream exists for the target itself (its status) or its forecast, so those are fetched
// again every TARGET_MS and FORECAST_MS.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  getCapacity,
  getForecast,
  getTarget,
  listDecisions,
  watchDecisions,
  type AppliedLimit,
  type CapacityReport,
  type Decision,
  type DecisionMetric,
  type Forecast,
  type ForecastAccuracy,
  type Prediction,
  type PredictiveSpec,
  type ScalingRules,
  type Target,
  type TargetSpec,
} from '../apis/targets';
import { TimeChart, type ChartBand, type ChartSeries } from '../charts/TimeChart';
import { plural, when } from '../format';
import type { PageProps } from '../router';
import { errorText, isUnauthorized, Notices } from './Notices';
import { count, modeText } from './Targets';
import './targets.css';
import { ColumnHeads } from '../components/ColumnHeads';

const RANGES = [
  { value: '900', label: 'Last 15 minutes' },
  { value: '3600', label: 'Last hour' },
  { value: '21600', label: 'Last 6 hours' },
  { value: '86400', label: 'Last 24 hours' },
];
const PAGE_SIZE = 200;  // decisions per request when loading a range
const MAX_PAGES = 10;  // at most this many pages per range (Governor keeps 200 per target)
const STREAM_LAST = 20;  // the newest decisions each stream connection opens with
const COALESCE_MS = 500;  // decisions arriving within this time are applied together
const TARGET_MS = 15000;  // how often the target (its status) is fetched again
const TABLE_PAGE = 50;  // decisions listed at first and added by "Show more"
const FORECAST_MS = 5 * 60 * 1000;  // how often a predictive target's forecast is fetched again

type Live = 'connecting' | 'live' | 'reconnecting' | 'paused';
const LIVE_TEXT: Record<Live, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  paused: 'Paused while the tab is hidden',
};

// Metric colours; replicas are drawn in the console's navy.
const PALETTE = ['#c2410c', '#047857', '#7c3aed', '#b91c1c', '#0e7490', '#a16207'];
const FORECAST_COLOR = '#1f6feb';

const num = (n?: number | null, digits = 3) =>
  n === null || n === undefined
    ? '—'
    : n.toLocaleString(undefined, { maximumFractionDigits: digits });
const unixTime = (s?: number | null) =>
  s === null || s === undefined ? '—' : when(new Date(s * 1000).toISOString());
const seconds = (s?: number) => (s === undefined ? '—' : `${s} s`);

// Loads the decisions newer than `since` (ms), newest first, page by page with the cursor until
// a page reaches past `since` or MAX_PAGES were read (`truncated` then says older ones exist).
async function loadSince(name: string, since: number) {
  const items: Decision[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    const res = await listDecisions(name, PAGE_SIZE, cursor);
    items.push(...res.items);
    const oldest = res.items[res.items.length - 1];
    if (!res.nextCursor || !oldest || Date.parse(oldest.at) < since) break;
    if (page + 1 >= MAX_PAGES) {
      truncated = true;
      break;
    }
    cursor = res.nextCursor;
  }
  return { items: items.filter((d) => Date.parse(d.at) >= since), truncated };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const newestFirst = (a: Decision, b: Decision) => Date.parse(b.at) - Date.parse(a.at);

// `fresh` (decisions in the order they arrived, oldest first) merged into `shown` (newest
// first), keeping those at or after `since` (ms); a decision seen again replaces its old copy
// (its actuation is recorded after the hook answers). Returns `shown` itself when nothing
// changed, so the chart is not built again for decisions it already has.
function merge(shown: Decision[], fresh: Decision[], since: number): Decision[] {
  const latest = new Map<string, Decision>();
  for (const d of fresh) latest.set(d.id, d);
  let changed = false;
  const kept = shown.map((d) => {
    const f = latest.get(d.id);
    latest.delete(d.id);
    if (!f || same(f, d)) return d;
    changed = true;
    return f;
  });
  const added = [...latest.values()].reverse();
  const all = added.length ? [...added, ...kept].sort(newestFirst) : kept;
  const inRange = all.filter((d) => Date.parse(d.at) >= since);
  return changed || added.length > 0 || inRange.length !== all.length ? inRange : shown;
}

interface ChartData {
  x: number[];
  series: ChartSeries[];
  bands: ChartBand[];
}

// The chart's columns: desired (and current) replicas, stepped, on the left scale; each
// metric's value and target on the right scale; and, when there is a forecast, its point
// forecast with the band between its lowest and highest quantile, for the times after the
// newest decision up to one range length ahead. The time axis starts at the range's start.
function chartData(
  decisions: Decision[],
  spec: TargetSpec | undefined,
  forecast: Forecast | null,
  rangeSeconds: number,
): ChartData {
  const asc = [...decisions].reverse();
  const x = asc.map((d) => Date.parse(d.at) / 1000);
  const series: ChartSeries[] = [
    {
      label: 'Desired replicas',
      values: asc.map((d) => d.replicas),
      color: '#14213d',
      stepped: true,
      width: 2,
    },
  ];
  const current = asc.map((d) => d.currentReplicas ?? null);
  if (current.some((v) => v !== null)) {
    series.push({
      label: 'Current replicas',
      values: current,
      color: '#6b7280',
      dash: [6, 4],
      stepped: true,
      width: 2,
    });
  }
  (spec?.metrics ?? []).forEach((m, i) => {
    const color = PALETTE[i % PALETTE.length];
    series.push({
      label: `${m.name} value`,
      values: asc.map((d) => d.metrics?.find((v) => v.name === m.name)?.value ?? null),
      color,
      scale: 'y2',
      points: true,
    });
    series.push({
      label: `${m.name} target`,
      values: asc.map(
        (d) => d.decision?.proposals?.find((p) => p.metric === m.name)?.target ?? m.target ?? null,
      ),
      color,
      dash: [2, 4],
      scale: 'y2',
      width: 1,
    });
  });
  const bands: ChartBand[] = [];
  const f = forecast?.forecast;
  if (f && f.times.length) {
    const after = x.length ? x[x.length - 1] : Date.now() / 1000 - rangeSeconds;
    const until = Date.now() / 1000 + rangeSeconds;
    const picked: number[] = [];
    f.times.forEach((t, j) => {
      const s = Date.parse(t) / 1000;
      if (s > after && s <= until) picked.push(j);
    });
    if (picked.length) {
      const pad = (values: (number | null)[]) => [
        ...values,
        ...picked.map(() => null),
      ];
      for (const s of series) s.values = pad(s.values);
      const history = x.map(() => null);
      x.push(...picked.map((j) => Date.parse(f.times[j]) / 1000));
      series.push({
        label: `${forecast!.metric} forecast (total load)`,
        values: [...history, ...picked.map((j) => f.point[j] ?? null)],
        color: FORECAST_COLOR,
        scale: 'y2',
        width: 2,
      });
      const sorted = [...f.bands].sort((a, b) => a.quantile - b.quantile);
      const lower = sorted[0];
      const upper = sorted[sorted.length - 1];
      if (lower && upper && upper.quantile > lower.quantile) {
        for (const b of [upper, lower]) {
          series.push({
            label: `${forecast!.metric} forecast q${b.quantile}`,
            values: [...history, ...picked.map((j) => b.values[j] ?? null)],
            color: FORECAST_COLOR,
            dash: [1, 3],
            scale: 'y2',
            width: 1,
          });
        }
        bands.push({
          upper: series.length - 2,
          lower: series.length - 1,
          fill: 'rgba(31, 111, 235, 0.15)',
        });
      }
    }
  }
  // An empty column at the range's start, so the time axis spans the chosen range.
  const start = Date.now() / 1000 - rangeSeconds;
  if (!x.length || x[0] > start) {
    x.unshift(start);
    for (const s of series) s.values = [null, ...s.values];
  }
  return { x, series, bands };
}

export function TargetPage({ params, onUnauthorized }: PageProps) {
  const name = params[0];
  const [target, setTarget] = useState<Target | null>(null);
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [forecast, setForecast] = useState<Forecast | null>(null);
  const [capacity, setCapacity] = useState<CapacityReport | null>(null);
  const [range, setRange] = useState(RANGES[0].value);
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState<Live>('connecting');
  // Errors of the decisions' reads and of the target's, each cleared by its own next success.
  const [listError, setListError] = useState('');
  const [targetError, setTargetError] = useState('');
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [visible, setVisible] = useState(TABLE_PAGE);
  const rangeSeconds = Number(range);
  // The decisions shown (read by the live session without restarting it), and whose they are.
  const shown = useRef<Decision[]>([]);
  const shownFor = useRef(name);
  // The live session's handler for the target's last decision (see the target's refresh).
  const noteLast = useRef<(d: Decision) => void>(() => {});

  const show = (items: Decision[]) => {
    shown.current = items;
    setDecisions(items);
  };

  // The target and, when predictive, its forecast and capacity report (fitted on request, so
  // fetched at most every FORECAST_MS): at load, then every TARGET_MS while the tab shows. No
  // stream exists for them, unlike the decisions.
  useEffect(() => {
    let stopped = false;
    let forecastAt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setTarget(null);
    setForecast(null);
    setCapacity(null);
    setTargetError('');
    const refresh = async () => {
      try {
        const t = await getTarget(name);
        if (stopped) return;
        setTarget(t);
        setTargetError('');
        if (t.status.lastDecision) noteLast.current(t.status.lastDecision);
        if (t.spec.predictive && Date.now() - forecastAt > FORECAST_MS) {
          forecastAt = Date.now();
          const [f, c] = await Promise.all([getForecast(name), getCapacity(name)]);
          if (stopped) return;
          setForecast(f);
          setCapacity(c);
        }
      } catch (err) {
        if (stopped) return;
        if (isUnauthorized(err)) return onUnauthorized();
        setTargetError(errorText(err));
      }
    };
    const tick = async () => {
      clearTimeout(timer);
      if (!document.hidden) await refresh();
      if (!stopped) timer = setTimeout(tick, TARGET_MS);
    };
    const onVisibility = () => {
      if (!document.hidden) void tick();
    };
    void tick();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [name]);

  // The decisions of the chosen range, then the stream of new ones (see the file comment).
  useEffect(() => {
    let stopped = false;
    let started = false;  // the first read is done: the stream may open
    let reading = false;  // the range is being read: arrivals wait for it
    let reread = false;  // a connection opened past the decisions shown
    let checkGap = false;  // the first decision of a connection is still to come
    let pending: Decision[] = [];  // arrived, not yet applied
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let stream: AbortController | null = null;
    const since = () => Date.now() - rangeSeconds * 1000;
    if (shownFor.current !== name) {
      shownFor.current = name;
      show([]);
      setExpanded(new Set());
      setVisible(TABLE_PAGE);
    }

    const read = async () => {
      reading = true;
      reread = false;
      pending = [];  // the read has them: the stream sends only what is stored
      setLoading(true);
      try {
        const res = await loadSince(name, since());
        if (stopped) return;
        setTruncated(res.truncated);
        show(res.items);
        setListError('');
      } catch (err) {
        if (stopped) return;
        if (isUnauthorized(err)) return onUnauthorized();
        setListError(errorText(err));
      } finally {
        reading = false;
        if (!stopped) {
          setLoading(false);
          flush();
        }
      }
    };

    // Applies what arrived (or reads the range again when the stream left a gap).
    const flush = () => {
      clearTimeout(flushTimer);
      flushTimer = undefined;
      if (stopped || reading) return;
      if (reread) {
        void read();
        return;
      }
      const next = merge(shown.current, pending, since());
      pending = [];
      if (next !== shown.current) show(next);
    };
    const queue = (d: Decision) => {
      pending.push(d);
      if (flushTimer === undefined) flushTimer = setTimeout(flush, COALESCE_MS);
    };
    // The stream sends a decision once, when it is stored; its actuation may be recorded
    // later, and the target's status carries it for the last decision.
    noteLast.current = (last: Decision) => {
      const copy = [...shown.current, ...pending].reverse().find((d) => d.id === last.id);
      if (copy && last.actuation && !same(copy.actuation, last.actuation)) {
        queue({ ...copy, actuation: last.actuation });
      }
    };

    // A connection opens with the STREAM_LAST newest decisions, oldest first: when the first
    // is neither shown nor older than the newest shown, decisions may be missing between.
    const gapBefore = (d: Decision) => {
      const known = [...shown.current, ...pending];
      if (reading || known.length === 0 || known.some((k) => k.id === d.id)) return false;
      return known.every((k) => Date.parse(k.at) < Date.parse(d.at));
    };

    const open = () => {
      const ctrl = new AbortController();
      stream = ctrl;
      setLive('connecting');
      void watchDecisions(name, STREAM_LAST, {
        signal: ctrl.signal,
        onStatus: (connected) => {
          if (ctrl.signal.aborted) return;
          setLive(connected ? 'live' : 'reconnecting');
          if (connected) checkGap = true;
        },
        onUnauthorized: () => {
          if (!ctrl.signal.aborted) onUnauthorized();
        },
        onDecision: (d) => {
          if (ctrl.signal.aborted) return;
          if (checkGap) {
            checkGap = false;
            if (gapBefore(d)) reread = true;
          }
          queue(d);
        },
      });
    };
    const close = () => {
      stream?.abort();
      stream = null;
    };
    const onVisibility = () => {
      if (!started) return;
      if (document.hidden) {
        close();
        setLive('paused');
      } else if (!stream) {
        open();
      }
    };

    void read().then(() => {
      if (stopped) return;
      started = true;
      if (document.hidden) setLive('paused');
      else open();
    });
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      close();
      clearTimeout(flushTimer);
      noteLast.current = () => {};
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [name, range]);

  // The chart is built again only when what it draws changes: the target refreshes every
  // TARGET_MS, but its spec rarely changes.
  const specJson = JSON.stringify(target?.spec ?? null);
  const spec = useMemo(() => target?.spec, [specJson]);
  const chart = useMemo(
    () => chartData(decisions, spec, forecast, rangeSeconds),
    [decisions, spec, forecast, rangeSeconds],
  );
  const error = [listError, targetError].filter(Boolean).join(' ');

  const toggle = (id: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const rangeLabel = RANGES.find((r) => r.value === range)!.label.toLowerCase();
  const metricNames = (target?.spec.metrics ?? []).map((m) => m.name).join(', ');

  return (
    <section aria-labelledby="target-title" class="target-page">
      <h1 id="target-title">Target {name}</h1>
      <Notices error={error} />
      {target && <StatusLine target={target} />}

      <section aria-labelledby="history-title" class="panel">
        <div class="history-head">
          <h2 id="history-title">Replicas and metrics</h2>
          <label for="target-range">Range</label>
          <select
            id="target-range"
            value={range}
            onChange={(e) => setRange((e.target as HTMLSelectElement).value)}
          >
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          <span class={`live live-${loading ? 'loading' : live}`} role="status">
            {loading ? 'Loading…' : LIVE_TEXT[live]}
          </span>
        </div>
        <TimeChart
          label={
            `Desired and current replicas of ${name}` +
            (metricNames ? ` against ${metricNames} (value and target)` : '') +
            `, ${rangeLabel}` +
            (chart.bands.length ? ', with the forecast band' : '')
          }
          x={chart.x}
          series={chart.series}
          bands={chart.bands}
          yLabel="replicas"
          y2Label="metric"
        />
        <p class="note">
          {decisions.length} decision{decisions.length === 1 ? '' : 's'} in range
          {truncated && ` (the newest ${PAGE_SIZE * MAX_PAGES} loaded; older ones not shown)`}.
          {forecast && !forecast.forecast && ` No forecast band: ${forecast.reason}`}
        </p>
      </section>

      {target?.spec.predictive && <ForecastPanel forecast={forecast} capacity={capacity} />}

      <table class="grid decisions">
        <caption>
          Decisions, newest first (expand a row for its explanation)
          {decisions.length > visible && `: the newest ${visible} of ${decisions.length}`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col" class="num">Current</th>
            <th scope="col" class="num">Desired</th>
            <th scope="col">Reason</th>
            <th scope="col">Actuation</th>
          </tr>
        </thead>
        {decisions.slice(0, visible).map((d) => {
          const open = expanded.has(d.id);
          const panelId = `decision-${d.id}`;
          return (
            <tbody key={d.id} data-id={d.id} class={open ? 'open' : undefined}>
              <tr>
                <td>
                  <button
                    type="button"
                    class="disclose"
                    aria-expanded={open ? 'true' : 'false'}
                    aria-controls={open ? panelId : undefined}
                    onClick={() => toggle(d.id)}
                  >
                    {when(d.at)}
                  </button>
                </td>
                <td class="num">{count(d.currentReplicas)}</td>
                <td class="num">{d.replicas}</td>
                <td>{d.reason}</td>
                <td>{d.actuation?.status ?? '—'}</td>
              </tr>
              {open && (
                <tr class="explain-row">
                  <td colSpan={5} id={panelId}>
                    <Explanation d={d} spec={target?.spec} />
                  </td>
                </tr>
              )}
            </tbody>
          );
        })}
      </table>
      {!loading && decisions.length === 0 && <p class="note">No decisions in this range.</p>}
      {decisions.length > visible && (
        <button type="button" class="more" onClick={() => setVisible((v) => v + TABLE_PAGE)}>
          Show {Math.min(TABLE_PAGE, decisions.length - visible)} more decisions
        </button>
      )}
      {target && <Summary target={target} />}
    </section>
  );
}

const policyText = (r?: ScalingRules) => {
  if (!r) return '—';
  const policies = (r.policies ?? [])
    .map((p) => `${p.type} ${p.value}${p.type === 'Percent' ? '%' : ''} per ${p.periodSeconds}s`)
    .join(', ');
  return (
    `${policies || 'no policies'} (select ${r.selectPolicy ?? '—'}); ` +
    `stabilization window ${seconds(r.stabilizationWindowSeconds)}`
  );
};

const sourceText = (source: unknown) =>
  typeof source === 'string'
    ? source
    : source && typeof source === 'object'
      ? Object.keys(source).join(', ')
      : '—';

// The target's state in one line: replicas, bounds, mode and the last sync.
function StatusLine({ target }: { target: Target }) {
  const { spec, status } = target;
  return (
    <dl class="status-line">
      <div>
        <dt>Current</dt>
        <dd>{count(status.replicas)}</dd>
      </div>
      <div>
        <dt>Desired</dt>
        <dd>{count(status.desiredReplicas)}</dd>
      </div>
      <div>
        <dt>Min</dt>
        <dd>{count(spec.minReplicas)}</dd>
      </div>
      <div>
        <dt>Max</dt>
        <dd>{count(spec.maxReplicas)}</dd>
      </div>
      <div>
        <dt>Mode</dt>
        <dd>
          <span class={`mode mode-${spec.mode ?? 'active'}`}>{modeText(spec.mode)}</span>
        </dd>
      </div>
      <div>
        <dt>Last decision</dt>
        <dd>
          {when(status.lastDecision?.at ?? status.lastSyncAt)}
          {status.lastDecision && ` (${status.lastDecision.reason})`}
        </dd>
      </div>
    </dl>
  );
}

const predictiveText = (p: PredictiveSpec) =>
  `${p.mode} on ${p.metric ?? 'its metric'}, model ${p.model ?? '—'}, ` +
  `quantile ${num(p.quantile)}, ${seconds(p.schedulingBufferSeconds)} ahead`;

const accuracyText = (a: ForecastAccuracy | null) =>
  a
    ? `MASE ${num(a.mase)}, sMAPE ${num(a.smape)}%, one-step MASE ${num(a.oneStepMase)} ` +
      `(seasonal naive ${num(a.seasonalNaiveMase)}, persistence ${num(a.persistenceMase)}; ` +
      `${a.points} points)`
    : '—';

function peakText(c: CapacityReport): string {
  if (!c.peak) return c.reason;
  const unbounded = c.exceedsMaxReplicas
    ? ` (${c.peak.replicasUnbounded} without maxReplicas)`
    : '';
  return (
    `peak ${num(c.peak.load)} at ${when(c.peak.at)} ` +
    `(q${c.quantile}: ${num(c.peak.loadAtQuantile)}), ${c.peak.replicas} replicas${unbounded}`
  );
}

function Summary({ target }: { target: Target }) {
  const { spec, status } = target;
  return (
    <section aria-labelledby="summary-title" class="panel">
      <h2 id="summary-title">Configuration and conditions</h2>
      <dl class="facts">
        <dt>Mode</dt>
        <dd>
          {modeText(spec.mode)}
          {spec.hook && ` · hook ${Object.keys(spec.hook).join(', ')}`}
        </dd>
        <dt>Defined in</dt>
        <dd>
          {target.source === 'config' ? 'the config file' : 'the API'} (version {target.version})
        </dd>
        <dt>Last sync</dt>
        <dd>
          {when(status.lastSyncAt)}
          {status.epoch !== null && status.epoch !== undefined && ` (leader epoch ${status.epoch})`}
        </dd>
        <dt>Sync period</dt>
        <dd>
          {seconds(spec.syncPeriodSeconds)}; tolerance {num(spec.tolerance)}; metrics older
          than{' '}
          {seconds(spec.metricMaxAgeSeconds)} count as missing
        </dd>
        <dt>Metrics</dt>
        <dd>
          <ul class="plain">
            {spec.metrics.map((m) => (
              <li key={m.name}>
                {m.name}: {m.type ?? '—'}, target {num(m.target)}, from {sourceText(m.source)}
              </li>
            ))}
          </ul>
        </dd>
        <dt>Scale up</dt>
        <dd>{policyText(spec.behavior?.scaleUp)}</dd>
        <dt>Scale down</dt>
        <dd>{policyText(spec.behavior?.scaleDown)}</dd>
        <dt>Cooldown</dt>
        <dd>
          after a scale-up {seconds(spec.cooldown?.scaleUpSeconds)}, after any scale{' '}
          {seconds(spec.cooldown?.scaleDownSeconds)} before a scale-down
        </dd>
        <dt>Predictive</dt>
        <dd>
          {spec.predictive ? predictiveText(spec.predictive) : 'none'}
        </dd>
      </dl>
      {status.conditions && status.conditions.length > 0 && (
        <table class="grid compact">
          <caption>Conditions</caption>
          <ColumnHeads names={['Type', 'Status', 'Reason', 'Message']} />
          <tbody>
            {status.conditions.map((c) => (
              <tr key={c.type}>
                <td>{c.type}</td>
                <td>{c.status}</td>
                <td>{c.reason ?? '—'}</td>
                <td>{c.message ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ForecastPanel({
  forecast,
  capacity,
}: {
  forecast: Forecast | null;
  capacity: CapacityReport | null;
}) {
  return (
    <section aria-labelledby="forecast-title" class="panel">
      <h2 id="forecast-title">Forecast and capacity</h2>
      {!forecast && <p class="note">Loading the forecast…</p>}
      {forecast && (
        <dl class="facts">
          <dt>Model</dt>
          <dd>{forecast.model ?? 'none'}</dd>
          <dt>Why</dt>
          <dd>{forecast.reason}</dd>
          <dt>Fallback</dt>
          <dd>{forecast.fallback}</dd>
          <dt>History</dt>
          <dd>
            {forecast.history.observed} of {forecast.history.steps} steps of{' '}
            {forecast.stepSeconds} s observed
            {forecast.history.start &&
              ` (${when(forecast.history.start)} to ${when(forecast.history.end)})`}
          </dd>
          <dt>Accuracy</dt>
          <dd>
            {accuracyText(forecast.accuracy)}
          </dd>
          {capacity && (
            <>
              <dt>Next {Math.round(capacity.horizonSeconds / 86400)} days</dt>
              <dd>
                {peakText(capacity)}
              </dd>
              <dt>Replica-hours</dt>
              <dd>
                {num(capacity.replicaHours)}
                {capacity.cost !== null && ` · cost ${num(capacity.cost, 2)}`}
                {capacity.costPer1000Requests != null &&
                  ` · ${num(capacity.costPer1000Requests, 4)} per 1,000 requests`}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}

// One applied limit in words, from the fields the API gave.
function limitText(l: AppliedLimit): string {
  const value = l.value !== undefined ? String(l.value) : '—';
  switch (l.kind) {
    case 'ScaleUpLimit':
      return `scale-up rate: limited to ${value}${l.policy ? ` by ${l.policy}` : ''}`;
    case 'ScaleDownLimit':
      return `scale-down rate: limited to ${value}${l.policy ? ` by ${l.policy}` : ''}`;
    case 'TooManyReplicas':
      return `maxReplicas: capped at ${value}`;
    case 'TooFewReplicas':
      return `minReplicas: raised to ${value}`;
    case 'MissingMetrics':
      return `missing or stale metrics: ${(l.metrics ?? []).join(', ') || '—'}`;
    case 'ScaleUpStabilized':
      return (
        `held at ${value}, the lowest recommendation of the last ` +
        `${seconds(l.windowSeconds)} (scale-up window)`
      );
    case 'ScaleDownStabilized':
      return (
        `held at ${value}, the highest recommendation of the last ` +
        `${seconds(l.windowSeconds)} (scale-down window)`
      );
    case 'Cooldown':
      return (
        `scale-${l.direction ?? '?'} cooldown: held at ${value}, ` +
        `${seconds(l.secondsLeft)} left`
      );
    default: {
      const parts = [
        l.value !== undefined && `value ${l.value}`,
        l.policy && `policy ${l.policy}`,
        l.windowSeconds !== undefined && `window ${l.windowSeconds} s`,
        l.secondsLeft !== undefined && `${l.secondsLeft} s left`,
        l.direction && `direction ${l.direction}`,
        l.metrics?.length && `metrics ${l.metrics.join(', ')}`,
      ].filter(Boolean);
      return `${l.kind}${parts.length ? `: ${parts.join(', ')}` : ''}`;
    }
  }
}

// Where a metric's value came from, or why it is missing.
function sampleText(m: DecisionMetric): string {
  if (m.error) return m.error;
  const at = m.sampledAt ? ` at ${when(m.sampledAt)}` : '';
  const instances =
    m.instances !== undefined ? `, ${plural(m.instances, 'instance')}` : '';
  return `${m.source ?? ''}${at}${instances}`;
}

const STABILIZED = new Set(['ScaleUpStabilized', 'ScaleDownStabilized']);

// A decision's explanation: what the loop read, what each metric proposed, and every step
// between the proposals and the replica count it set.
function Explanation({ d, spec }: { d: Decision; spec?: TargetSpec }) {
  const x = d.decision ?? {};
  const limits = x.limits ?? [];
  const bounds = limits.filter((l) => !STABILIZED.has(l.kind) && l.kind !== 'Cooldown');
  const stabilized = limits.filter((l) => STABILIZED.has(l.kind));
  const cooldowns = limits.filter((l) => l.kind === 'Cooldown');
  const proposals = x.proposals ?? [];
  const read = d.metrics ?? [];
  const names = [...proposals.map((p) => p.metric), ...read.map((m) => m.name)].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  const up = x.scaleUpEvent;
  const down = x.scaleDownEvent;
  const events = [
    up && `up ${up.change > 0 ? '+' : ''}${up.change} at ${unixTime(up.timestamp)}`,
    down && `down ${down.change} at ${unixTime(down.timestamp)}`,
  ].filter(Boolean);
  const recommended = (x.newRecommendations ?? [])
    .map((r) => `${r.replicas} at ${unixTime(r.timestamp)}`)
    .join(', ');
  return (
    <div class="explain">
      <p class="why">
        <strong>{d.reason}</strong>: {d.message ?? x.message ?? '—'}
      </p>
      <table class="grid compact">
        <caption>Metrics read and their proposals</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">Value</th>
            <th scope="col" class="num">Target</th>
            <th scope="col" class="num">Ratio</th>
            <th scope="col" class="num">Proposed replicas</th>
            <th scope="col">Sample</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const p = proposals.find((q) => q.metric === n);
            const m = read.find((r) => r.name === n);
            const flags = [p?.missing && 'missing', p?.stale && 'stale'].filter(Boolean).join(', ');
            return (
              <tr key={n}>
                <th scope="row">
                  {n}
                  {p?.type && <span class="sub"> {p.type}</span>}
                </th>
                <td class="num">{num(p?.current ?? m?.value)}</td>
                <td class="num">{num(p?.target)}</td>
                <td class="num">{num(p?.ratio)}</td>
                <td class="num">{num(p?.replicas)}</td>
                <td>
                  {m ? sampleText(m) : '—'}
                  {flags && ` (${flags})`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <dl class="facts">
        <dt>Desired</dt>
        <dd>
          {num(x.desiredReplicas)}
          {x.desiredSource && ` (from ${x.desiredSource}`}
          {x.desiredSource &&
            x.reactiveReplicas !== undefined &&
            `; reactive ${num(x.reactiveReplicas)}`}
          {x.desiredSource && ')'}
        </dd>
        <dt>Stabilization</dt>
        <dd>
          {stabilized.length > 0
            ? stabilized.map(limitText).join('; ')
            : x.stabilizedReplicas === null || x.stabilizedReplicas === undefined
              ? 'no recommendation this sync'
              : `recommendation ${num(x.stabilizedReplicas)} (the window did not change it)`}
          {recommended && ` · recorded ${recommended}`}
        </dd>
        <dt>Limits applied</dt>
        <dd>
          {bounds.length === 0 ? (
            `none (min ${count(spec?.minReplicas)}, max ${count(spec?.maxReplicas)} ` +
            'and the rate policies did not change the count)'
          ) : (
            <ul class="plain">
              {bounds.map((l, i) => (
                <li key={i}>{limitText(l)}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Cooldown</dt>
        <dd>
          {cooldowns.length ? cooldowns.map(limitText).join('; ') : 'did not hold this decision'}
        </dd>
        <dt>Scale events recorded</dt>
        <dd>{events.length ? events.join('; ') : 'none'}</dd>
        <dt>Result</dt>
        <dd>
          {count(d.currentReplicas)} → {d.replicas}
          {d.replicasSource && ` (current count from ${d.replicasSource})`}
          {d.mode && ` · ${modeText(d.mode)}`}
        </dd>
        <dt>Actuation</dt>
        <dd>
          {d.actuation?.status ?? '—'}
          {d.actuation?.hook && ` via ${d.actuation.hook}`}
          {d.actuation?.error && `: ${d.actuation.error}`}
        </dd>
        <dt>Decision</dt>
        <dd>
          {d.id} · epoch {d.epoch}
        </dd>
      </dl>
      {x.prediction && <PredictionFacts p={x.prediction} />}
    </div>
  );
}

function PredictionFacts({ p }: { p: Prediction }) {
  return (
    <dl class="facts">
      <dt>Prediction</dt>
      <dd>{p.message}</dd>
      <dt>Proposed</dt>
      <dd>
        {num(p.replicas)} replicas
        {p.acted ? ' (set the desired count)' : p.wouldAct ? ' (would have raised the count)' : ''}
        {p.capped && ', capped'}
      </dd>
      <dt>Forecast</dt>
      <dd>
        {p.metric ?? '—'}: {num(p.forecast)} (q{p.quantile}: {num(p.forecastAtQuantile)}) for{' '}
        {unixTime(p.provisionFor)}; model {p.model ?? 'none'}; skill ratio {num(p.skillRatio)}
      </dd>
      <dt>Fallback</dt>
      <dd>
        {p.fallback}
        {p.predictorFallback && p.predictorFallback !== 'none' && ` (${p.predictorFallback})`}
      </dd>
    </dl>
  );
}
