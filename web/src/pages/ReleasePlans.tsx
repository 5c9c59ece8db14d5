// Release plans: a paged table of the plans (GET /api/v1/release-plans?limit=&cursor=) with each
// plan's feature, environment, state, current milestone (of its definition's milestones) and
// rollout, its guardrails (any not ok named with its status) and when its next scheduled advance
// is due, each linking to /ui/release-plans/<name>; a form creating a plan (POST
// /api/v1/release-plans) from a template or with milestones written out, the API's field errors
// beside the fields; and the release-plan templates (GET /api/v1/release-plan-templates).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, listEnvironments } from '../api';
import { Link } from '../router';
import {
  createReleasePlan,
  listReleasePlans,
  listReleasePlanTemplates,
  STATE_LABEL,
  type Milestone,
  type NewPlan,
  type OnBreach,
  type PlanSpec,
  type ReleasePlan,
} from '../apis/releasePlans';
import { LoadMore } from '../components/LoadMore';
import { ColumnHeads } from '../components/ColumnHeads';
import { duration, when } from '../format';
import { usePagedList } from '../hooks';
import { errorText, fieldErrorHelpers, isUnauthorized, Notices } from './Notices';
import './release-plans.css';

const PAGE_SIZE = 50;

export function StateBadge({ state }: { state: ReleasePlan['state'] }) {
  return <span class={`rp-state rp-state-${state}`}>{STATE_LABEL[state]}</span>;
}

// "5% (10 min)", "25% (at 1/1/2030, 00:00)", "50% (by hand)", "100%" for the last.
function milestoneSummary(m: Milestone, last: boolean): string {
  if (last) return `${m.rollout}%`;
  if (m.advanceAfterSeconds) return `${m.rollout}% (${duration(m.advanceAfterSeconds)})`;
  if (m.advanceAt) return `${m.rollout}% (until ${when(m.advanceAt)})`;
  return `${m.rollout}% (by hand)`;
}

// "2 of 3, next 100%" (the milestones of the plan's definition).
function milestoneText(p: ReleasePlan): string {
  if (p.state === 'draft') return 'Not started';
  const milestones = p.definition?.milestones;
  if (!milestones) return `${p.milestone + 1}`;
  const next = milestones[p.milestone + 1];
  const upcoming = next && (p.state === 'running' || p.state === 'paused');
  return `${p.milestone + 1} of ${milestones.length}${upcoming ? `, next ${next.rollout}%` : ''}`;
}

// "None", "2" (a draft), "2, all ok", "2: error-rate error".
function guardrailsText(p: ReleasePlan): string {
  const count = p.definition?.guardrails?.length ?? p.guardrails.length;
  if (count === 0) return 'None';
  if (p.state === 'draft') return `${count}`;
  const bad = p.guardrails.filter((g) => g.status !== 'ok');
  if (bad.length === 0) return `${count}, all ok`;
  return `${count}: ${bad.map((g) => `${g.name} ${g.status}`).join(', ')}`;
}

export function ReleasePlansPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const list = usePagedList((after) => listReleasePlans(PAGE_SIZE, after), [], onUnauthorized);
  const { items: plans, loading, error, fail, reload } = list;
  const [templates, setTemplates] = useState<PlanSpec[]>([]);
  const [status, setStatus] = useState('');

  useEffect(() => {
    listReleasePlanTemplates()
      .then((r) => setTemplates(r.items))
      .catch(fail);
  }, []);

  return (
    <section aria-labelledby="release-plans-title">
      <h1 id="release-plans-title">Release plans</h1>
      <p class="rp-intro">
        A release plan rolls a flag out in one environment milestone by milestone, and pauses or
        rolls back when a guardrail is breached.
      </p>
      <Notices error={error} status={status} />
      <table class="grid rp-list">
        <caption>
          Release plans{loading ? ' (loading…)' : ` (${plans.length}${list.more ? '+' : ''})`}
        </caption>
        <ColumnHeads names={['Name', 'Flag', 'Environment', 'State', 'Milestone', 'Rollout', 'Guardrails', 'Next advance']} />
        <tbody>
          {plans.map((p) => (
            <tr key={p.name}>
              <th scope="row">
                <Link href={`/ui/release-plans/${encodeURIComponent(p.name)}`}>{p.name}</Link>
              </th>
              <td>{p.feature}</td>
              <td>{p.environment}</td>
              <td>
                <StateBadge state={p.state} />
              </td>
              <td>{milestoneText(p)}</td>
              <td>{p.rollout}%</td>
              <td class="rp-guardrail-list">{guardrailsText(p)}</td>
              <td>
                {p.nextTransitionAt
                  ? when(p.nextTransitionAt)
                  : p.state === 'running'
                    ? 'Not scheduled (by hand)'
                    : '—'}
              </td>
            </tr>
          ))}
          {!loading && plans.length === 0 && (
            <tr>
              <td colSpan={8}>No release plans yet.</td>
            </tr>
          )}
        </tbody>
      </table>
      <LoadMore list={list}>Load more plans</LoadMore>

      <details class="rp-details">
        <summary id="new-plan-title">New release plan</summary>
        <NewPlanForm
          templates={templates}
          onCreated={(p) => {
            setStatus(`Created ${p.name}.`);
            reload();
          }}
          onUnauthorized={onUnauthorized}
        />
      </details>

      <h2 class="rp-h2">Templates</h2>
      <table class="grid rp-templates">
        <caption>Release-plan templates (built-in first)</caption>
        <ColumnHeads names={['Template', 'Milestones', 'Guardrails', 'On breach']} />
        <tbody>
          {templates.map((t) => (
            <tr key={t.name}>
              <th scope="row">{t.name}</th>
              <td>
                {t.milestones
                  .map((m, i) => milestoneSummary(m, i === t.milestones.length - 1))
                  .join(' → ')}
              </td>
              <td>{(t.guardrails ?? []).map((g) => g.name).join(', ') || '—'}</td>
              <td>{t.onBreach ?? 'rollback'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface MilestoneRow {
  rollout: string;
  advance: 'hand' | 'after' | 'at';
  minutes: string;
  at: string; // datetime-local, in the browser's time zone
}

const CUSTOM = ''; // the template select's value for "milestones written here"

// A number when the text is one, else the text itself, so that the API's check names the field.
const numeric = (text: string): unknown => {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

// The id of the control of an API field (e.g. milestones[1].rollout, queries.p99).
const fieldId = (field: string) => `new-plan-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function NewPlanForm({
  templates,
  onCreated,
  onUnauthorized,
}: {
  templates: PlanSpec[];
  onCreated: (p: ReleasePlan) => void;
  onUnauthorized: () => void;
}) {
  const [name, setName] = useState('');
  const [feature, setFeature] = useState('');
  const [environment, setEnvironment] = useState('development');
  const [environments, setEnvironments] = useState<string[]>([]);
  const [template, setTemplate] = useState(CUSTOM);
  const [queries, setQueries] = useState<Record<string, string>>({});
  const [prometheusUrl, setPrometheusUrl] = useState('');
  const [onBreach, setOnBreach] = useState<OnBreach | ''>('');
  const [rows, setRows] = useState<MilestoneRow[]>([
    { rollout: '10', advance: 'hand', minutes: '', at: '' },
    { rollout: '100', advance: 'hand', minutes: '', at: '' },
  ]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listEnvironments()
      .then((r) => setEnvironments(r.items.map((e) => e.name)))
      .catch(() => setEnvironments(['development']));
  }, []);

  const chosen = templates.find((t) => t.name === template);
  // The template's Prometheus guardrails whose query the plan must fill in.
  const toFill = (chosen?.guardrails ?? []).filter((g) => g.prometheus && !g.prometheus.query);

  const setRow = (i: number, change: Partial<MilestoneRow>) =>
    setRows((old) => old.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const body = (): NewPlan => {
    const plan: NewPlan = { name, feature, environment };
    if (chosen) {
      plan.template = chosen.name;
      const filled: Record<string, string> = {};
      // Only the queries typed: the API names the first one missing.
      for (const g of toFill) if (queries[g.name]) filled[g.name] = queries[g.name];
      if (Object.keys(filled).length) plan.queries = filled;
      if (prometheusUrl.trim()) plan.prometheusUrl = prometheusUrl.trim();
      if (onBreach) plan.onBreach = onBreach;
    } else {
      plan.milestones = rows.map((r, i) => {
        const m: Record<string, unknown> = { rollout: numeric(r.rollout) };
        if (i === rows.length - 1) return m;
        if (r.advance === 'after') {
          const minutes = numeric(r.minutes);
          m.advanceAfterSeconds = typeof minutes === 'number' ? Math.round(minutes * 60) : minutes;
        } else if (r.advance === 'at') {
          const at = new Date(r.at);
          m.advanceAt = Number.isNaN(at.getTime()) ? r.at : at.toISOString();
        }
        return m;
      });
    }
    return plan;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFieldErrors({});
    setFormError('');
    try {
      const created = await createReleasePlan(body());
      setName('');
      onCreated(created);
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      const field = err instanceof ApiError ? err.field : undefined;
      // A field this form has a control for gets its error beside the control.
      if (field && document.getElementById(fieldId(field))) {
        setFieldErrors({ [field]: (err as Error).message });
        document.getElementById(fieldId(field))?.focus();
      } else {
        setFormError(field ? `${field}: ${errorText(err)}` : errorText(err));
      }
    } finally {
      setBusy(false);
    }
  };

  // The attributes tying a control to its field error, and the error itself.
  const { invalid, fieldError } = fieldErrorHelpers(fieldErrors, (f) => `${fieldId(f)}-error`);
  const field = (f: string, label: string, control: JSX.Element, wide = false) => (
    <div class={wide ? 'rp-wide' : undefined}>
      <label for={fieldId(f)}>{label}</label>
      {control}
      {fieldError(f)}
    </div>
  );

  return (
    <form class="panel rp-new" onSubmit={submit} noValidate aria-labelledby="new-plan-title">
      <div class="fields">
        {field(
          'name',
          'Plan name',
          <input
            id={fieldId('name')}
            value={name}
            autocomplete="off"
            {...invalid('name')}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />,
        )}
        {field(
          'feature',
          'Flag',
          <input
            id={fieldId('feature')}
            value={feature}
            autocomplete="off"
            {...invalid('feature')}
            onInput={(e) => setFeature((e.target as HTMLInputElement).value)}
          />,
        )}
        {field(
          'environment',
          'Environment',
          <select
            id={fieldId('environment')}
            value={environment}
            {...invalid('environment')}
            onChange={(e) => setEnvironment((e.target as HTMLSelectElement).value)}
          >
            {(environments.length ? environments : [environment]).map((env) => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </select>,
        )}
        {field(
          'template',
          'Template',
          <select
            id={fieldId('template')}
            value={template}
            {...invalid('template')}
            onChange={(e) => setTemplate((e.target as HTMLSelectElement).value)}
          >
            <option value={CUSTOM}>None: write the milestones</option>
            {templates.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>,
        )}
      </div>

      {chosen ? (
        <fieldset class="rp-fieldset">
          <legend>From template {chosen.name}</legend>
          <p class="rp-note">
            Milestones{' '}
            {chosen.milestones
              .map((m, i) => milestoneSummary(m, i === chosen.milestones.length - 1))
              .join(' → ')}
            ; guardrails {(chosen.guardrails ?? []).map((g) => g.name).join(', ') || 'none'}.
          </p>
          <div class="fields">
            {toFill.map((g) =>
              field(
                `queries.${g.name}`,
                `PromQL query for guardrail ${g.name}`,
                <input
                  id={fieldId(`queries.${g.name}`)}
                  value={queries[g.name] ?? ''}
                  autocomplete="off"
                  class="rp-query"
                  {...invalid(`queries.${g.name}`)}
                  onInput={(e) =>
                    setQueries((old) => ({
                      ...old,
                      [g.name]: (e.target as HTMLInputElement).value,
                    }))
                  }
                />,
                true,
              ),
            )}
            {field(
              'prometheusUrl',
              'Prometheus URL (optional)',
              <input
                id={fieldId('prometheusUrl')}
                value={prometheusUrl}
                placeholder="http://127.0.0.1:9090"
                autocomplete="off"
                {...invalid('prometheusUrl')}
                onInput={(e) => setPrometheusUrl((e.target as HTMLInputElement).value)}
              />,
            )}
            {field(
              'onBreach',
              'On breach',
              <select
                id={fieldId('onBreach')}
                value={onBreach}
                {...invalid('onBreach')}
                onChange={(e) =>
                  setOnBreach((e.target as HTMLSelectElement).value as OnBreach | '')
                }
              >
                <option value="">As the template says ({chosen.onBreach ?? 'rollback'})</option>
                <option value="rollback">Roll back</option>
                <option value="pause">Pause</option>
                <option value="previousMilestone">Step back a milestone</option>
              </select>,
            )}
          </div>
        </fieldset>
      ) : (
        <fieldset class="rp-fieldset">
          <legend>Milestones</legend>
          <p class="rp-note">
            Rollouts increase from one milestone to the next; the last completes the plan. A plan
            written here has no guardrails: start from a template for those.
          </p>
          <ol class="rp-rows">
            {rows.map((r, i) => {
              const n = i + 1;
              const last = i === rows.length - 1;
              return (
                <li key={i} class="fields">
                  {field(
                    `milestones[${i}].rollout`,
                    `Milestone ${n} rollout (%)`,
                    <input
                      id={fieldId(`milestones[${i}].rollout`)}
                      type="number"
                      min={0}
                      max={100}
                      value={r.rollout}
                      {...invalid(`milestones[${i}].rollout`)}
                      onInput={(e) => setRow(i, { rollout: (e.target as HTMLInputElement).value })}
                    />,
                  )}
                  {!last && (
                    <div>
                      <label for={`new-plan-advance-${i}`}>Milestone {n} advances</label>
                      <select
                        id={`new-plan-advance-${i}`}
                        value={r.advance}
                        onChange={(e) =>
                          setRow(i, {
                            advance: (e.target as HTMLSelectElement)
                              .value as MilestoneRow['advance'],
                          })
                        }
                      >
                        <option value="hand">By hand</option>
                        <option value="after">After a time</option>
                        <option value="at">At a date and time</option>
                      </select>
                    </div>
                  )}
                  {!last &&
                    r.advance === 'after' &&
                    field(
                      `milestones[${i}].advanceAfterSeconds`,
                      `Milestone ${n}: minutes before advancing`,
                      <input
                        id={fieldId(`milestones[${i}].advanceAfterSeconds`)}
                        type="number"
                        min={1}
                        value={r.minutes}
                        {...invalid(`milestones[${i}].advanceAfterSeconds`)}
                        onInput={(e) =>
                          setRow(i, { minutes: (e.target as HTMLInputElement).value })
                        }
                      />,
                    )}
                  {!last &&
                    r.advance === 'at' &&
                    field(
                      `milestones[${i}].advanceAt`,
                      `Milestone ${n}: advance at`,
                      <input
                        id={fieldId(`milestones[${i}].advanceAt`)}
                        type="datetime-local"
                        value={r.at}
                        {...invalid(`milestones[${i}].advanceAt`)}
                        onInput={(e) => setRow(i, { at: (e.target as HTMLInputElement).value })}
                      />,
                    )}
                  {last && <span class="rp-note">Completes the plan</span>}
                  {rows.length > 1 && (
                    <button
                      type="button"
                      class="plain"
                      onClick={() => setRows((old) => old.filter((_, j) => j !== i))}
                    >
                      Remove milestone {n}
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          <button
            type="button"
            class="plain"
            onClick={() =>
              setRows((old) => [...old, { rollout: '', advance: 'hand', minutes: '', at: '' }])
            }
          >
            Add milestone
          </button>
        </fieldset>
      )}
      <div class="rp-submit">
        <button type="submit" disabled={busy}>
          Create plan
        </button>
      </div>
      <Notices error={formError} />
    </form>
  );
}
