// One release plan (params[0] = its name): where it stands (GET /api/v1/release-plans/{name}),
// its milestones as a timeline, its guardrails with their latest readings (when each was last
// evaluated; a metric guardrail's confidence sequence), its history, and the controls (POST
// .../start, pause, resume, advance, rollback; rollback after a confirm step). Each milestone's
// rule and each guardrail's query and threshold come from the plan's `definition`.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Constraint } from '../api';
import { Link } from '../router';
import {
  actOnReleasePlan,
  ALLOWED,
  getReleasePlan,
  type Cause,
  type Guardrail,
  type GuardrailStatus,
  type Milestone,
  type PlanAction,
  type PlanEvent,
  type PlanSpec,
  type Position,
  type ReleasePlan,
} from '../apis/releasePlans';
import { ConfirmButtons } from '../components/ConfirmButtons';
import { ColumnHeads } from '../components/ColumnHeads';
import { duration, when } from '../format';
import { useFail } from '../hooks';
import { readStream } from '../sse';
import { errorText, isUnauthorized, Notices } from './Notices';
import { StateBadge } from './ReleasePlans';
import './release-plans.css';


const EVENT_LABEL: Record<PlanEvent, string> = {
  started: 'Started',
  advanced: 'Advanced',
  steppedBack: 'Stepped back',
  paused: 'Paused',
  resumed: 'Resumed',
  rolledBack: 'Rolled back',
  completed: 'Completed',
};

const DONE_LABEL: Record<PlanAction, string> = {
  start: 'Started',
  pause: 'Paused',
  resume: 'Resumed',
  advance: 'Advanced',
  rollback: 'Rolled back',
};

type MilestoneStatus = 'done' | 'current' | 'pending' | 'rolledBack';

const MILESTONE_STATUS_LABEL: Record<MilestoneStatus, string> = {
  done: 'Done',
  current: 'Current',
  pending: 'Pending',
  rolledBack: 'Rolled back here',
};

// A milestone of the plan's definition as the timeline shows it.
interface TimelineItem {
  index: number;
  rollout: number;
  rule: string;
  status: MilestoneStatus;
  startedAt: string | null;
}

function ruleOf(m: Milestone, last: boolean): string {
  if (last) return 'Completes the plan';
  let rule = 'Advances by hand';
  if (m.advanceAfterSeconds) rule = `Advances ${duration(m.advanceAfterSeconds)} after it starts`;
  else if (m.advanceAt) rule = `Advances at ${when(m.advanceAt)}`;
  if (m.minExposures) rule += `, once ${m.minExposures} units were exposed`;
  return rule;
}

function milestoneStatus(plan: ReleasePlan, i: number, rolledBackFrom: number): MilestoneStatus {
  switch (plan.state) {
    case 'draft':
      return 'pending';
    case 'completed':
      return 'done';
    case 'rolledBack':
      return i < rolledBackFrom ? 'done' : i === rolledBackFrom ? 'rolledBack' : 'pending';
    default:
      return i < plan.milestone ? 'done' : i === plan.milestone ? 'current' : 'pending';
  }
}

function timeline(plan: ReleasePlan, spec: PlanSpec | null): TimelineItem[] {
  if (!spec) return [];
  const rollbackEntry = [...plan.history].reverse().find((t) => t.event === 'rolledBack');
  const rolledBackFrom = rollbackEntry ? rollbackEntry.from.milestone : -1;
  // The first time each milestone was entered.
  const started = new Map<number, string>();
  for (const t of plan.history) {
    if (t.to.state !== 'rolledBack' && t.to.state !== 'paused' && !started.has(t.to.milestone)) {
      started.set(t.to.milestone, t.at);
    }
  }
  const last = spec.milestones.length - 1;
  return spec.milestones.map((m, i) => ({
    index: i,
    rollout: m.rollout,
    rule: ruleOf(m, i === last),
    status: milestoneStatus(plan, i, rolledBackFrom),
    startedAt: started.get(i) ?? null,
  }));
}

// When the current milestone advances: its scheduled time, or why none is scheduled.
function nextAdvance(plan: ReleasePlan, current: Milestone | undefined): string {
  if (plan.nextTransitionAt) return when(plan.nextTransitionAt);
  if (plan.state !== 'running') return '—';
  if (!current) return 'Not scheduled';
  if (current.advanceAfterSeconds || current.advanceAt) {
    return current.minExposures ? `Due, waiting for ${current.minExposures} exposed units` : 'Due';
  }
  return 'By hand';
}

function positionText(p: Position): string {
  if (p.state === 'draft') return 'Draft, 0%';
  if (p.state === 'rolledBack') return 'Rolled back, 0%';
  const state = p.state === 'running' ? '' : `, ${p.state}`;
  return `Milestone ${p.milestone + 1}, ${p.rollout}%${state}`;
}

const num = (v: number) =>
  Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, '');

function causeText(c: Cause): string {
  switch (c.kind) {
    case 'manual':
      return c.actor ? `By ${c.actor}` : c.message;
    case 'schedule':
      return c.message ? `On schedule: ${c.message}` : 'On schedule';
    case 'guardrail': {
      const parts = [`Guardrail ${c.guardrail ?? ''} breached`];
      if (c.value !== null) parts.push(`value ${num(c.value)}`);
      if (c.threshold !== null) parts.push(`threshold ${num(c.threshold)}`);
      if (c.since) parts.push(`since ${when(c.since)}`);
      return `${parts.join(', ')}${c.message ? ` (${c.message})` : ''}`;
    }
    case 'guardrailError':
      return `Guardrail ${c.guardrail ?? ''} could not be evaluated: ${c.message}`;
    case 'sampleRatioMismatch':
      return `Sample ratio mismatch: ${c.message}`;
  }
}

function watches(g: Guardrail | undefined) {
  if (g?.prometheus) {
    const every = g.prometheus.evaluationIntervalSeconds;
    return (
      <>
        Prometheus query <code>{g.prometheus.query || '(empty)'}</code>
        {g.prometheus.url && <> at {g.prometheus.url}</>}
        {every ? `, every ${duration(every)}` : ''}
      </>
    );
  }
  if (g?.metric) {
    return (
      <>
        Experiment metric <code>{g.metric.metric}</code>: its relative effect, exposed vs. other
        units
      </>
    );
  }
  return '—';
}

function threshold(g: Guardrail | undefined): string {
  if (g?.prometheus) {
    const p = g.prometheus;
    const bound =
      p.above !== undefined && p.above !== null
        ? `above ${num(p.above)}`
        : p.below !== undefined && p.below !== null
          ? `below ${num(p.below)}`
          : '—';
    return p.forSeconds ? `${bound} for ${duration(p.forSeconds)}` : `${bound} (at once)`;
  }
  if (g?.metric) return `a drop of more than ${num(g.metric.maxRelativeDrop * 100)}%`;
  return '—';
}

// A relative effect (a fraction) as a signed percentage: "+1.25%", "−3%".
const percent = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${num(Math.abs(v) * 100)}%`;

function reading(g: Guardrail | undefined, s: GuardrailStatus | undefined): string {
  if (!s) return 'Not evaluated yet';
  if (s.status === 'error') return s.error ?? 'The last evaluation failed';
  if (s.value === null) return s.lastEvaluatedAt ? 'No data yet' : 'Not evaluated yet';
  if (g?.metric) return `${percent(s.value)} relative effect`;
  return num(s.value);
}

// A metric guardrail's confidence sequence for the relative effect (95%, always valid), as
// percentages; null when there is none (a Prometheus guardrail, or no good evaluation yet).
function interval(s: GuardrailStatus | undefined): string | null {
  if (!s || s.ciLow === null || s.ciLow === undefined) return null;
  if (s.ciHigh === null || s.ciHigh === undefined) return null;
  return `[${percent(s.ciLow)}, ${percent(s.ciHigh)}]`;
}

// "region IN eu, us": a constraint kept on the managed strategy at every milestone.
function constraintText(c: Constraint): string {
  const values = c.values?.length
    ? c.values.join(', ')
    : c.value !== undefined
      ? String(c.value)
      : '';
  return `${c.contextName} ${c.inverted ? 'not ' : ''}${c.operator}${values ? ` ${values}` : ''}`;
}

// The stickiness, constraints and segments the managed strategy keeps at every milestone.
function targeting(spec: PlanSpec): string {
  const parts = [`stickiness ${spec.stickiness || 'default'}`];
  for (const c of spec.constraints ?? []) parts.push(constraintText(c));
  if (spec.segments?.length) {
    const noun = spec.segments.length === 1 ? 'segment' : 'segments';
    parts.push(`${noun} ${spec.segments.join(', ')}`);
  }
  return parts.join('; ');
}

export function ReleasePlanPage({
  params,
  onUnauthorized,
}: {
  params: string[];
  onUnauthorized: () => void;
}) {
  const name = params[0];
  const [plan, setPlan] = useState<ReleasePlan | null>(null);
  // A failed read (cleared by the next good one) and a failed action (cleared by the next
  // action), apart so that a poll does not hide an action's error.
  const [loadError, setLoadError] = useState('');
  const [error, setError] = useState('');
  const [featureError, setFeatureError] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState<PlanAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  // Answers to reads older than the last action are dropped (a poll racing an action).
  const generation = useRef(0);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const rollbackButton = useRef<HTMLButtonElement>(null);

  const failRead = useFail(onUnauthorized, setLoadError);

  const load = async () => {
    const gen = generation.current;
    try {
      const p = await getReleasePlan(name);
      if (gen !== generation.current) return;
      setPlan(p);
      setLoadError('');
    } catch (err) {
      if (gen === generation.current) failRead(err);
    }
  };

  useEffect(() => {
    load();
  }, [name]);

  // Live: the plan's stream sends it whenever it changes (scheduled advances, guardrail
  // readings, actions taken elsewhere). Closed while the tab is hidden, and re-opened (with
  // the plan as it is then) when it shows again.
  const [live, setLive] = useState<boolean | null>(null);
  const [hidden, setHidden] = useState(document.hidden);
  useEffect(() => {
    const onVisibility = () => setHidden(document.hidden);
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);
  useEffect(() => {
    if (hidden) return;
    const stop = new AbortController();
    readStream(`/api/v1/release-plans/${encodeURIComponent(name)}/stream`, {
      signal: stop.signal,
      onUnauthorized,
      onStatus: setLive,
      onEvent: (e) => {
        if (e.event !== 'plan') return;
        let p: ReleasePlan;
        try {
          p = JSON.parse(e.data) as ReleasePlan;
        } catch {
          return;
        }
        setPlan(p);
        setLoadError('');
      },
    });
    return () => {
      stop.abort();
      setLive(null);
    };
  }, [name, hidden]);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const act = async (action: PlanAction) => {
    setConfirming(false);
    setBusy(action);
    setError('');
    setFeatureError('');
    setStatus('');
    ++generation.current;
    try {
      await actOnReleasePlan(name, action);
      // Read the plan again after the action (the answer above is the same view).
      const p = await getReleasePlan(name);
      ++generation.current;
      setPlan(p);
      const at = positionText(p);
      setStatus(`${DONE_LABEL[action]} ${name}: now ${at[0].toLowerCase()}${at.slice(1)}.`);
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      if (err instanceof ApiError && err.field === 'feature') setFeatureError(err.message);
      else setError(errorText(err));
      // The plan may have moved meanwhile (a 409): show it as it is now.
      load();
    } finally {
      setBusy(null);
    }
  };

  if (!plan) {
    return (
      <section aria-labelledby="plan-title">
        <p>
          <Link href="/ui/release-plans">Release plans</Link>
        </p>
        <h1 id="plan-title">Release plan {name}</h1>
        <Notices error={loadError} />
        {!loadError && <p>Loading…</p>}
      </section>
    );
  }

  const allowed = (a: PlanAction) => ALLOWED[a].includes(plan.state) && busy === null;
  const spec = plan.definition ?? null;
  const items = timeline(plan, spec);
  const next = spec?.milestones[plan.milestone + 1];
  const nextIsLast = spec !== null && plan.milestone + 2 === spec.milestones.length;
  const lastTransition = plan.history[plan.history.length - 1];
  const srm = lastTransition?.cause.kind === 'sampleRatioMismatch' ? lastTransition : undefined;
  const statusByName = new Map(plan.guardrails.map((g) => [g.name, g]));
  const guardrailNames = spec?.guardrails
    ? spec.guardrails.map((g) => g.name)
    : plan.guardrails.map((g) => g.name);
  const defs = new Map((spec?.guardrails ?? []).map((g) => [g.name, g]));

  return (
    <section aria-labelledby="plan-title">
      <p>
        <Link href="/ui/release-plans">Release plans</Link>
      </p>
      <h1 id="plan-title">Release plan {plan.name}</h1>

      <dl class="rp-summary">
        <div>
          <dt>Flag</dt>
          <dd>
            <Link href={`/ui/flags/${encodeURIComponent(plan.feature)}`}>{plan.feature}</Link>
            {featureError && (
              <p id="plan-feature-error" class="field-error" role="alert">
                {featureError}
              </p>
            )}
          </dd>
        </div>
        <div>
          <dt>Environment</dt>
          <dd>{plan.environment}</dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>
            <StateBadge state={plan.state} />
          </dd>
        </div>
        <div>
          <dt>Milestone</dt>
          <dd>
            {plan.state === 'draft'
              ? 'Not started'
              : `${plan.milestone + 1}${spec ? ` of ${spec.milestones.length}` : ''}`}
          </dd>
        </div>
        <div>
          <dt>Rollout</dt>
          <dd>{plan.rollout}%</dd>
        </div>
        <div>
          <dt>Milestone started</dt>
          <dd>{when(plan.milestoneStartedAt)}</dd>
        </div>
        <div>
          <dt>Next advance</dt>
          <dd>{nextAdvance(plan, spec?.milestones[plan.milestone])}</dd>
        </div>
        {spec && (
          <div>
            <dt>On breach</dt>
            <dd>
              {spec.onBreach === 'pause'
                ? 'Pause'
                : spec.onBreach === 'previousMilestone'
                  ? 'Step back a milestone'
                  : 'Roll back'}
            </dd>
          </div>
        )}
        {spec && (
          <div>
            <dt>Targeting</dt>
            <dd>{targeting(spec)}</dd>
          </div>
        )}
        {spec?.notify?.webhook && (
          <div>
            <dt>Notifies</dt>
            <dd class="rp-wrap">{spec.notify.webhook.url}</dd>
          </div>
        )}
      </dl>

      <div class="rp-controls" role="group" aria-label="Plan controls">
        {plan.state === 'draft' && (
          <button type="button" disabled={!allowed('start')} onClick={() => act('start')}>
            {busy === 'start' ? 'Starting…' : 'Start'}
          </button>
        )}
        <button
          type="button"
          class="plain"
          disabled={!allowed('pause')}
          onClick={() => act('pause')}
        >
          Pause
        </button>
        <button
          type="button"
          class="plain"
          disabled={!allowed('resume')}
          onClick={() => act('resume')}
        >
          Resume
        </button>
        <button
          type="button"
          class="plain"
          disabled={!allowed('advance')}
          onClick={() => act('advance')}
        >
          {next
            ? `Advance to ${next.rollout}%${nextIsLast ? ' (completes the plan)' : ''}`
            : 'Advance'}
        </button>
        <button
          type="button"
          class="danger"
          ref={rollbackButton}
          disabled={!allowed('rollback') || confirming}
          aria-expanded={confirming}
          aria-controls="rollback-confirm"
          onClick={() => setConfirming(true)}
        >
          Roll back…
        </button>
        <span class="rp-live" role="status">
          {live === null ? 'Connecting…' : live ? 'Live' : 'Reconnecting…'}
        </span>
      </div>
      <div id="rollback-confirm">
        {confirming && (
          <div class="rp-confirm" role="group" aria-labelledby="rollback-question">
            <p id="rollback-question">
              Roll back {plan.name}? {plan.feature}’s managed rollout in {plan.environment} goes to
              0% and the plan ends; it cannot be resumed.
            </p>
            <ConfirmButtons
              confirmRef={confirmButton}
              onConfirm={() => act('rollback')}
              onCancel={() => {
                setConfirming(false);
                setTimeout(() => rollbackButton.current?.focus(), 0);
              }}
            >
              Confirm rollback
            </ConfirmButtons>
          </div>
        )}
      </div>
      <Notices error={[error, loadError].filter(Boolean).join(' ')} status={status} />

      <h2 class="rp-h2" id="milestones-title">
        Milestones
      </h2>
      {spec === null && <p class="rp-note">The API did not return the plan’s definition.</p>}
      <ol class="rp-timeline" aria-labelledby="milestones-title">
        {items.map((m) => (
          <li
            key={m.index}
            class={`rp-milestone rp-${m.status}`}
            aria-current={m.status === 'current' ? 'step' : undefined}
          >
            <span class="rp-dot" aria-hidden="true" />
            <span class="rp-rollout">
              <span class="visually-hidden">Milestone {m.index + 1}: </span>
              {m.rollout}%
            </span>
            <span class="rp-mstatus">
              {MILESTONE_STATUS_LABEL[m.status]}
              {m.status === 'current' && plan.state === 'paused' ? ' (paused)' : ''}
            </span>
            <span class="rp-rule">{m.rule}</span>
            <span class="rp-started">
              {m.startedAt ? `Started ${when(m.startedAt)}` : 'Not started'}
            </span>
            {m.status === 'current' && plan.nextTransitionAt && (
              <span class="rp-started">Next advance {when(plan.nextTransitionAt)}</span>
            )}
          </li>
        ))}
      </ol>

      <h2 class="rp-h2">Guardrails</h2>
      <table class="grid rp-guardrails">
        <caption>Guardrail readings</caption>
        <ColumnHeads names={['Guardrail', 'Watches', 'Breached when', 'Status', 'Latest reading', 'Since', 'Last evaluated']} />
        <tbody>
          {guardrailNames.map((g) => {
            const s = statusByName.get(g);
            const d = defs.get(g);
            const ci = d?.metric ? interval(s) : null;
            return (
              <tr key={g}>
                <th scope="row">{g}</th>
                <td>{watches(d)}</td>
                <td>{threshold(d)}</td>
                <td>
                  <span class={`rp-gstatus rp-g-${s?.status ?? 'none'}`}>{s?.status ?? '—'}</span>
                </td>
                <td>
                  <span class={s?.status === 'error' ? 'rp-error-text' : undefined}>
                    {reading(d, s)}
                  </span>
                  {ci && (
                    <span class="rp-ci">
                      95% confidence sequence <span class="rp-nowrap">{ci}</span>
                    </span>
                  )}
                </td>
                <td>{when(s?.since)}</td>
                <td>{s?.lastEvaluatedAt ? when(s.lastEvaluatedAt) : 'Not yet'}</td>
              </tr>
            );
          })}
          <tr>
            <th scope="row">Sample ratio (built in)</th>
            <td>Units exposed vs. not exposed during the milestone, against its rollout</td>
            <td>The split differs from the milestone’s percentage (pauses the plan)</td>
            <td>
              <span class={`rp-gstatus ${srm ? 'rp-g-breached' : 'rp-g-ok'}`}>
                {srm ? 'mismatch' : 'ok'}
              </span>
            </td>
            <td>{srm ? srm.cause.message : 'No mismatch acted on'}</td>
            <td>{srm ? when(srm.at) : '—'}</td>
            <td>—</td>
          </tr>
        </tbody>
      </table>

      <h2 class="rp-h2">History</h2>
      <table class="grid rp-history">
        <caption>Plan history, newest first</caption>
        <ColumnHeads names={['When', 'Event', 'From', 'To', 'Cause']} />
        <tbody>
          {[...plan.history].reverse().map((t, i) => (
            <tr key={`${t.at}-${i}`}>
              <td>{when(t.at)}</td>
              <th scope="row">{EVENT_LABEL[t.event]}</th>
              <td>{positionText(t.from)}</td>
              <td>{positionText(t.to)}</td>
              <td>{causeText(t.cause)}</td>
            </tr>
          ))}
          {plan.history.length === 0 && (
            <tr>
              <td colSpan={5}>Nothing yet: the plan has not started.</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
