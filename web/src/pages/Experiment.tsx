// One experiment (params[0] is its key): its status, hypothesis, arms and metrics; starting a
// draft and stopping a running one; its results (GET .../results): the sample-ratio-mismatch
// banner, the warnings, a forest plot of every treatment's effect per metric with the same
// numbers in a table, the cumulative effect per day as a chart, and the CSV download
// (GET .../results.csv); concluding it (POST .../conclude) with a decision through a form with a
// confirm step, the API's field errors shown beside the fields.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { Link, type PageProps } from '../router';
import {
  concludeExperiment,
  DECISIONS,
  getExperiment,
  getResults,
  getResultsCsv,
  startExperiment,
  stopExperiment,
  type Decision,
  type Experiment,
  type ExperimentResults,
  type MetricResult,
  type VariantResult,
} from '../apis/experiments';
import { ForestPlot, type ForestRow } from '../charts/ForestPlot';
import { TimeChart, type ChartBand, type ChartSeries } from '../charts/TimeChart';
import { ConfirmButtons } from '../components/ConfirmButtons';
import { ColumnHeads } from '../components/ColumnHeads';
import { when } from '../format';
import { useFail } from '../hooks';
import { conclusionText, STATUS_TITLES } from './Experiments';
import { errorText, fieldErrorHelpers, isUnauthorized, Notices } from './Notices';
import './experiments.css';

interface MetricDefinition {
  name: string;
  description: string;
  type: string;
  numerator: { event: string; aggregation?: string };
  denominator: { event: string; aggregation?: string } | null;
  direction: string;
}

const COLORS = ['#1f6feb', '#c2410c', '#7c3aed', '#0f766e', '#b45309', '#be185d'];
const FILLS = [
  'rgba(31,111,235,0.15)',
  'rgba(194,65,12,0.15)',
  'rgba(124,58,237,0.15)',
  'rgba(15,118,110,0.15)',
  'rgba(180,83,9,0.15)',
  'rgba(190,24,93,0.15)',
];

// --- Number formatting shared by the plot, the table and the chart. ---

const sign = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '');

// An effect: relative ones as a signed percentage (0.087 -> +8.7%), absolute ones signed with
// three significant digits.
export function formatEffect(x: number, difference: 'relative' | 'absolute'): string {
  if (difference === 'relative') return `${sign(x)}${Math.abs(x * 100).toFixed(1)}%`;
  return `${sign(x)}${Number(Math.abs(x).toPrecision(3))}`;
}

function formatInterval(ci: VariantResult['ci'], difference: 'relative' | 'absolute'): string {
  if (!ci) return '—';
  const end = (v: number | null, inf: string) => (v === null ? inf : formatEffect(v, difference));
  return `[${end(ci[0], '−∞')}, ${end(ci[1], '∞')}]`;
}

function formatMean(x: number | null | undefined, type: MetricResult['type']): string {
  if (x === null || x === undefined) return '—';
  if (type === 'proportion') return `${(x * 100).toFixed(1)}%`;
  return String(Number(x.toPrecision(4)));
}

// "p = 0.152" or "p < 0.001".
const pIs = (p: number | null | undefined) =>
  p !== null && p !== undefined && p < 0.001 ? 'p < 0.001' : `p = ${formatP(p)}`;

export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

const formatPercent = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;

const DECISION_LABELS: Record<Decision, string> = {
  ship: 'Ship a variant',
  rollback: 'Roll back (keep the control)',
  inconclusive: 'Inconclusive (change nothing)',
};

export function ExperimentPage({ params, onUnauthorized }: PageProps) {
  const key = params[0];
  const [experiment, setExperiment] = useState<Experiment | null>(null);
  const [results, setResults] = useState<ExperimentResults | null>(null);
  const [definitions, setDefinitions] = useState<Record<string, MetricDefinition>>({});
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmStop, setConfirmStop] = useState(false);

  const fail = useFail(onUnauthorized, setError);

  const loadResults = async () => {
    try {
      setResults(await getResults(key));
    } catch (err) {
      fail(err);
    }
  };

  useEffect(() => {
    (async () => {
      try {
        const e = await getExperiment(key);
        setExperiment(e);
        const defs: Record<string, MetricDefinition> = {};
        await Promise.all(
          e.metrics.map(async (m) => {
            defs[m.metric] = await api<MetricDefinition>(
              'GET',
              `/api/v1/metrics/${encodeURIComponent(m.metric)}`,
            );
          }),
        );
        setDefinitions(defs);
      } catch (err) {
        return fail(err);
      }
      await loadResults();
    })();
  }, [key]);

  const act = async (what: string, call: () => Promise<Experiment>) => {
    setBusy(true);
    setConfirmStop(false);
    try {
      setExperiment(await call());
      setError('');
      setStatus(what);
      await loadResults();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const downloadCsv = async () => {
    try {
      const csv = await getResultsCsv(key);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${key}-results.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(`Downloaded ${key}-results.csv.`);
    } catch (err) {
      fail(err);
    }
  };

  if (!experiment) {
    return (
      <section aria-labelledby="experiment-title" class="experiment">
        <p class="back">
          <Link href="/ui/experiments">← Experiments</Link>
        </p>
        <h1 id="experiment-title">Experiment {key}</h1>
        <Notices error={error} status={error ? '' : 'Loading…'} />
      </section>
    );
  }

  const e = experiment;
  const a = e.analysis;
  const unitsOf = (variant: string) => results?.variants.find((v) => v.name === variant)?.units;

  return (
    <section aria-labelledby="experiment-title" class="experiment">
      <p class="back">
        <Link href="/ui/experiments">← Experiments</Link>
      </p>
      <h1 id="experiment-title">
        {e.name || e.key} <span class={`badge badge-${e.status}`}>{STATUS_TITLES[e.status]}</span>
      </h1>
      {e.hypothesis && <p class="hypothesis">{e.hypothesis}</p>}
      <Notices error={error} status={status} />

      <dl class="facts">
        <div>
          <dt>Key</dt>
          <dd>{e.key}</dd>
        </div>
        <div>
          <dt>Flag</dt>
          <dd>
            <Link href={`/ui/flags/${encodeURIComponent(e.feature)}`}>{e.feature}</Link> in {e.environment}
          </dd>
        </div>
        <div>
          <dt>Randomized by</dt>
          <dd>{e.randomizationUnit}</dd>
        </div>
        <div>
          <dt>Analysis</dt>
          <dd>
            {a.engine ?? 'frequentist'}, {a.difference ?? 'relative'} effect, α = {a.alpha ?? 0.05},{' '}
            {(a.engine ?? 'frequentist') === 'bayesian' ? '' : a.sequential ? 'sequential, ' : 'fixed horizon, '}correction {a.correction ?? 'holmBonferroni'}
            {a.cupedLookbackSeconds ? ', CUPED' : ''}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{when(e.startedAt)}</dd>
        </div>
        <div>
          <dt>Stopped</dt>
          <dd>{when(e.stoppedAt)}</dd>
        </div>
      </dl>

      {e.conclusion && (
        <div class="panel conclusion" aria-labelledby="conclusion-title">
          <h2 id="conclusion-title">Conclusion: {conclusionText(e)}</h2>
          {e.conclusion.reason && <p>{e.conclusion.reason}</p>}
          <p class="hint">
            By {e.conclusion.actor}, {when(e.conclusion.at)}.
          </p>
        </div>
      )}

      <div class="actions-bar">
        {e.status === 'draft' && (
          <button type="button" disabled={busy} onClick={() => act(`Started ${e.key}.`, () => startExperiment(e.key))}>
            Start experiment
          </button>
        )}
        {e.status === 'running' &&
          (confirmStop ? (
            <ConfirmButtons
              disabled={busy}
              onConfirm={() => act(`Stopped ${e.key}.`, () => stopExperiment(e.key))}
              onCancel={() => setConfirmStop(false)}
            >
              Confirm stopping {e.key}
            </ConfirmButtons>
          ) : (
            <button type="button" class="plain" disabled={busy} onClick={() => setConfirmStop(true)}>
              Stop experiment
            </button>
          ))}
        {e.status !== 'draft' && (
          <>
            <button type="button" class="plain" onClick={() => loadResults()}>
              Refresh results
            </button>
            <button type="button" class="plain" onClick={downloadCsv}>
              Download results (CSV)
            </button>
          </>
        )}
      </div>

      <h2 id="arms-title">Arms and metrics</h2>
      <div class="two-tables">
        <table class="grid">
          <caption>Arms</caption>
          <ColumnHeads names={['Variant', 'Weight', 'Units']} />
          <tbody>
            {e.arms.length === 0 && (
              <tr>
                <td colSpan={3}>The arms are the flag's variants when the experiment starts.</td>
              </tr>
            )}
            {e.arms.map((arm) => (
              <tr key={arm.variant}>
                <th scope="row">
                  {arm.variant}
                  {arm.variant === e.controlVariant && <span class="tag">control</span>}
                </th>
                <td>{(arm.weight / 10).toFixed(1)}%</td>
                <td>{unitsOf(arm.variant) ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="grid">
          <caption>Metrics</caption>
          <ColumnHeads names={['Metric', 'Role', 'Type', 'Events', 'Better']} />
          <tbody>
            {e.metrics.map((m) => {
              const d = definitions[m.metric];
              return (
                <tr key={m.metric}>
                  <th scope="row">
                    {m.metric}
                    {d?.description && <span class="hint block">{d.description}</span>}
                  </th>
                  <td>{m.role}</td>
                  <td>{d?.type ?? '—'}</td>
                  <td>
                    {d
                      ? `${d.numerator.event}${d.denominator ? ` / ${d.denominator.event}` : ''}`
                      : '—'}
                  </td>
                  <td>{d ? (d.direction === 'lowerIsBetter' ? 'lower' : 'higher') : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {results && e.status !== 'draft' && <Results results={results} />}

      {(e.status === 'running' || e.status === 'stopped') && (
        <ConcludeForm
          experiment={e}
          onConcluded={(done) => {
            setExperiment(done);
            setError('');
            setStatus(`Concluded ${done.key}: ${conclusionText(done)}.`);
            loadResults();
          }}
          onUnauthorized={onUnauthorized}
        />
      )}
    </section>
  );
}

// --- Results ---

function Results({ results }: { results: ExperimentResults }) {
  const r = results;
  const diff = r.difference;
  const fmt = (x: number) => formatEffect(x, diff);
  const level = `${Math.round((1 - r.alpha) * 1000) / 10}%`;
  const bayes = r.engine === 'bayesian';
  const srmBad = r.srm?.mismatch === true;
  const warnings = r.warnings.filter((w) => !(srmBad && w.code === 'sampleRatioMismatch'));
  const intervalName = bayes ? 'credible interval' : r.sequential ? 'confidence sequence' : 'confidence interval';

  const forestRows = (metrics: MetricResult[]): ForestRow[] =>
    metrics.flatMap((m) =>
      m.variants
        .filter((v) => !v.control)
        .map((v) => ({
          group: `${m.metric} (${m.role})`,
          label: v.name,
          estimate: v.effect ?? null,
          low: v.ci ? v.ci[0] : null,
          high: v.ci ? v.ci[1] : null,
          tone: v.effect === null || v.effect === undefined ? 'none' : (v.decision ?? 'inconclusive'),
        })),
    );
  // Relative effects share one axis; absolute ones are in each metric's own units.
  const plots: { title: string; metrics: MetricResult[] }[] =
    diff === 'relative'
      ? [{ title: 'every metric', metrics: r.metrics }]
      : r.metrics.map((m) => ({ title: m.metric, metrics: [m] }));

  return (
    <section aria-labelledby="results-title" class="results">
      <h2 id="results-title">Results</h2>
      <p class="hint">
        {r.engine} engine, {diff} effects with {level} {intervalName}s
        {bayes ? '' : `, p-values corrected by ${r.correction}`}. {r.exposures} exposures;
        computed {when(r.computedAt)}
        {r.pendingEvents > 0 ? ` (${r.pendingEvents} events not aggregated yet)` : ''}.
      </p>
      {srmBad && (
        <div class="srm-alert" role="alert">
          <strong>Sample ratio mismatch.</strong> The units per arm (
          {r.variants.map((v) => `${v.name} ${v.units}`).join(', ')}) disagree with the arms' weights (
          {r.variants.map((v) => `${v.name} ${((v.weight ?? 0) / 10).toFixed(1)}%`).join(', ')}), χ² ={' '}
          {r.srm!.chiSquare?.toFixed(1) ?? '—'}, {pIs(r.srm!.pValue)}. The assignment or the
          exposure logging is broken: do not trust these results.
        </div>
      )}
      {!srmBad && r.srm && (
        <p class="srm-ok">
          Sample ratio check passed (χ² = {r.srm.chiSquare?.toFixed(2) ?? '—'}, {pIs(r.srm.pValue)}).
        </p>
      )}
      {warnings.length > 0 && (
        <div class="warnings" aria-labelledby="warnings-title">
          <h3 id="warnings-title">Warnings</h3>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>
                <strong>{w.code}</strong>
                {w.variant ? ` (${w.variant})` : ''}: {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}

      {r.metrics.length > 0 &&
        plots.map((p) => (
          <figure class="forest-figure" key={p.title}>
            <ForestPlot
              label={`Forest plot of the ${diff} effect of each treatment against the control, with its ${level} ${intervalName}, for ${p.title}; the numbers are in the results table.`}
              rows={forestRows(p.metrics)}
              format={fmt}
              axisLabel={`${diff === 'relative' ? 'Relative' : 'Absolute'} effect vs control (${level} ${intervalName})`}
            />
            <figcaption class="hint">
              {diff === 'relative' ? 'Effect vs control, every metric' : `Effect vs control, ${p.title}`}: the dot is
              the estimate, the whisker its interval; green a win, red a loss.
            </figcaption>
          </figure>
        ))}

      <table class="grid results-table">
        <caption>Results per metric and arm</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Arm</th>
            <th scope="col">Units</th>
            <th scope="col">Mean</th>
            <th scope="col">Effect</th>
            <th scope="col">{level} interval</th>
            {bayes ? (
              <th scope="col">Chance to win</th>
            ) : (
              <>
                <th scope="col">p-value</th>
                <th scope="col">Adjusted p-value</th>
              </>
            )}
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {r.metrics.flatMap((m) =>
            m.variants.map((v) => (
              <tr key={`${m.metric}/${v.name}`} data-metric={m.metric} data-variant={v.name}>
                <td>
                  {m.metric} <span class="hint">({m.role})</span>
                </td>
                <th scope="row">
                  {v.name}
                  {v.control && <span class="tag">control</span>}
                </th>
                <td class="num" data-col="units">{v.units}</td>
                <td class="num" data-col="mean">{formatMean(v.mean, m.type)}</td>
                <td class="num" data-col="effect">
                  {v.control ? '—' : v.effect === null || v.effect === undefined ? v.error?.message ?? '—' : fmt(v.effect)}
                </td>
                <td class="num" data-col="ci">{v.control ? '—' : formatInterval(v.ci, diff)}</td>
                {bayes ? (
                  <td class="num" data-col="chanceToWin">{v.control ? '—' : formatPercent(v.chanceToWin)}</td>
                ) : (
                  <>
                    <td class="num" data-col="pValue">{v.control ? '—' : formatP(v.pValue)}</td>
                    <td class="num" data-col="adjustedPValue">{v.control ? '—' : formatP(v.adjustedPValue)}</td>
                  </>
                )}
                <td data-col="decision">
                  {v.control ? '' : v.decision ? <span class={`decision decision-${v.decision}`}>{v.decision}</span> : '—'}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>

      <h3>Cumulative effect over time</h3>
      {r.series.length === 0 ? (
        <p class="empty">No daily data yet.</p>
      ) : (
        r.metrics.map((m) => <CumulativeChart key={m.metric} results={r} metric={m} />)
      )}
    </section>
  );
}

// The cumulative effect of each treatment on one metric at the end of each day (UTC), with its
// interval as a band, and the zero line.
function CumulativeChart({ results, metric }: { results: ExperimentResults; metric: MetricResult }) {
  const relative = results.difference === 'relative';
  const chart = useMemo(() => {
    const points = results.series.filter((p) => p.metric === metric.metric);
    const days = [...new Set(points.map((p) => p.date))].sort();
    // One day alone: the days around it (no values) give the x axis a scale of days.
    const dayOf = (d: string, offset: number) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + offset * 86400000).toISOString().slice(0, 10);
    const dates = days.length === 1 ? [dayOf(days[0], -1), days[0], dayOf(days[0], 1)] : days;
    const x = dates.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const scale = (v: number | null | undefined) =>
      v === null || v === undefined || !Number.isFinite(v) ? null : relative ? v * 100 : v;
    const series: ChartSeries[] = [];
    const bands: ChartBand[] = [];
    const treatments = metric.variants.filter((v) => !v.control).map((v) => v.name);
    const few = days.length < 2;
    treatments.forEach((name, i) => {
      const at = new Map(points.filter((p) => p.variant === name).map((p) => [p.date, p]));
      const color = COLORS[i % COLORS.length];
      const base = series.length;
      series.push({ label: `${name} effect`, values: dates.map((d) => scale(at.get(d)?.effect)), color, points: few });
      series.push({
        label: `${name} upper`,
        values: dates.map((d) => scale(at.get(d)?.ci?.[1])),
        color,
        width: 1,
        dash: [4, 4],
        points: few,
      });
      series.push({
        label: `${name} lower`,
        values: dates.map((d) => scale(at.get(d)?.ci?.[0])),
        color,
        width: 1,
        dash: [4, 4],
        points: few,
      });
      bands.push({ upper: base + 1, lower: base + 2, fill: FILLS[i % FILLS.length] });
    });
    series.push({ label: 'no effect', values: dates.map(() => 0), color: '#4a4f59', width: 1 });
    return { x, series, bands, days: days.length };
  }, [results, metric, relative]);

  return (
    <div class="cumulative">
      <h4>
        {metric.metric} <span class="hint">({chart.days} {chart.days === 1 ? 'day' : 'days'})</span>
      </h4>
      <TimeChart
        label={`Cumulative ${results.difference} effect on ${metric.metric} of each treatment against the control at the end of each day, with its interval`}
        x={chart.x}
        series={chart.series}
        bands={chart.bands}
        height={240}
        yLabel={relative ? 'effect (%)' : 'effect'}
      />
    </div>
  );
}

// --- Concluding ---

type Field = 'decision' | 'variant' | 'reason';
const FIELD_LABELS: Record<Field, string> = { decision: 'Decision', variant: 'Variant', reason: 'Reason' };

function ConcludeForm({
  experiment,
  onConcluded,
  onUnauthorized,
}: {
  experiment: Experiment;
  onConcluded: (e: Experiment) => void;
  onUnauthorized: () => void;
}) {
  const [decision, setDecision] = useState<Decision>('ship');
  const [variant, setVariant] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState('');
  const confirmButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const summary =
    decision === 'ship'
      ? `ship ${variant || '(no variant chosen)'}: it becomes ${experiment.feature}'s only variant in ${experiment.environment}`
      : decision === 'rollback'
        ? `roll back: keep the control ${experiment.controlVariant}`
        : 'inconclusive: change nothing';

  const review = (ev: Event) => {
    ev.preventDefault();
    setFormError('');
    setConfirming(true);
  };

  const conclude = async () => {
    setBusy(true);
    setFieldErrors({});
    setFormError('');
    try {
      const done = await concludeExperiment(experiment.key, {
        decision,
        ...(decision === 'ship' && variant ? { variant } : {}),
        ...(reason ? { reason } : {}),
      });
      setConfirming(false);
      onConcluded(done);
    } catch (err) {
      setConfirming(false);
      if (isUnauthorized(err)) return onUnauthorized();
      const field = err instanceof ApiError ? err.field : undefined;
      if (field === 'decision' || field === 'variant' || field === 'reason') {
        setFieldErrors({ [field]: `${FIELD_LABELS[field]} ${(err as Error).message}` });
      } else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const { invalid, fieldError } = fieldErrorHelpers(fieldErrors, (f) => `conclude-${f}-error`);

  return (
    <form class="panel conclude" onSubmit={review} noValidate aria-labelledby="conclude-title">
      <h2 id="conclude-title">Conclude the experiment</h2>
      <div class="fields">
        <div>
          <label for="conclude-decision">Decision</label>
          <select
            id="conclude-decision"
            value={decision}
            {...invalid('decision')}
            onChange={(ev) => {
              setDecision((ev.target as HTMLSelectElement).value as Decision);
              setConfirming(false);
            }}
          >
            {DECISIONS.map((d) => (
              <option key={d} value={d}>
                {DECISION_LABELS[d]}
              </option>
            ))}
          </select>
          {fieldError('decision')}
        </div>
        {decision === 'ship' && (
          <div>
            <label for="conclude-variant">Variant to ship</label>
            <select
              id="conclude-variant"
              value={variant}
              {...invalid('variant')}
              onChange={(ev) => {
                setVariant((ev.target as HTMLSelectElement).value);
                setConfirming(false);
              }}
            >
              <option value="">Choose a variant</option>
              {experiment.arms.map((arm) => (
                <option key={arm.variant} value={arm.variant}>
                  {arm.variant}
                  {arm.variant === experiment.controlVariant ? ' (control)' : ''}
                </option>
              ))}
            </select>
            {fieldError('variant')}
          </div>
        )}
        <div class="wide">
          <label for="conclude-reason">Reason</label>
          <textarea
            id="conclude-reason"
            rows={2}
            value={reason}
            {...invalid('reason')}
            onInput={(ev) => setReason((ev.target as HTMLTextAreaElement).value)}
          />
          {fieldError('reason')}
        </div>
        {!confirming && (
          <button type="submit" disabled={busy}>
            Conclude…
          </button>
        )}
      </div>
      {confirming && (
        <div class="confirm" role="group" aria-labelledby="conclude-confirm-text">
          <p id="conclude-confirm-text">
            Conclude {experiment.key} and {summary}?
          </p>
          <ConfirmButtons
            confirmRef={confirmButton}
            disabled={busy}
            onConfirm={conclude}
            onCancel={() => setConfirming(false)}
          >
            Confirm concluding {experiment.key}
          </ConfirmButtons>
        </div>
      )}
      <Notices error={formError} />
    </form>
  );
}
