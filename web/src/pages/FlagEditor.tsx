// One flag (/ui/flags/{name}): its on/off switch per environment; per environment (tabs) an
// editor for its strategies (type, parameters with a rollout slider, constraints, segments,
// variants; PUT .../environments/{env}/strategies) and for its variants (PUT .../variants), both
// sent with If-Match so a concurrent change is refused rather than overwritten; the flag's audit
// history (GET /api/v1/audit?resource=flags/{name}); and its evaluations per hour (GET
// /api/v1/flags/{name}/metrics) as a chart. A failed save keeps everything typed and shows the
// API's field error beside the control it names (e.g. strategies[0].constraints[1].value).
//
// This module is the page; its parts live in ./flag-editor/ (the model and field-error helpers,
// the environment tabs, the strategies and variants editors, the history and the metrics chart).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { listEnvironments } from '../api';
import { getFlag, listSegments, setEnabled, type FlagDetail, type Segment } from '../apis/flags';
import { when } from '../format';
import { useFail } from '../hooks';
import { Link, type PageProps } from '../router';
import { EnvTabs } from './flag-editor/EnvTabs';
import { AuditSection } from './flag-editor/FlagHistory';
import { MetricsSection } from './flag-editor/FlagMetrics';
import { envDraft, STICKINESS, type EnvDraft } from './flag-editor/model';
import { StrategiesForm } from './flag-editor/StrategiesEditor';
import { VariantsForm } from './flag-editor/VariantsEditor';
import { Notices } from './Notices';
import './flag-editor.css';

export function FlagPage({ params, onUnauthorized }: PageProps) {
  const name = params[0] ?? '';
  const [flag, setFlag] = useState<FlagDetail | null>(null);
  const [envs, setEnvs] = useState<string[]>([]);
  const [env, setEnv] = useState('');
  const [drafts, setDrafts] = useState<Record<string, EnvDraft>>({});
  const [segments, setSegments] = useState<Segment[]>([]);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [loading, setLoading] = useState(true);
  const [auditTick, setAuditTick] = useState(0);

  const fail = useFail(onUnauthorized, setError);

  // Loads the flag and resets every draft to it; false when that failed (the error is shown).
  const load = useCallback(async (): Promise<boolean> => {
    setLoading(true);
    try {
      const [f, e] = await Promise.all([getFlag(name), listEnvironments()]);
      const names = e.items.map((x) => x.name);
      for (const k of Object.keys(f.environments)) if (!names.includes(k)) names.push(k);
      setFlag(f);
      setEnvs(names);
      setEnv((old) => (names.includes(old) ? old : (names[0] ?? '')));
      setDrafts(Object.fromEntries(names.map((n) => [n, envDraft(f, n)])));
      setError('');
      return true;
    } catch (err) {
      fail(err);
      return false;
    } finally {
      setLoading(false);
    }
  }, [name, fail]);

  useEffect(() => {
    setFlag(null);
    load();
    listSegments()
      .then((r) => setSegments(r.items))
      .catch(fail);
  }, [name]);

  const toggle = async (e: string) => {
    if (!flag) return;
    const on = !flag.environments[e]?.enabled;
    try {
      setFlag(await setEnabled(flag.name, e, on));
      setStatus(`${flag.name} is now ${on ? 'on' : 'off'} in ${e}.`);
      setError('');
      setAuditTick((t) => t + 1);
    } catch (err) {
      fail(err);
    }
  };

  const reload = async () => {
    setStatus('');
    if (await load()) setStatus('Reloaded the flag from the server.');
    setAuditTick((t) => t + 1);
  };

  if (!flag) {
    return (
      <section aria-labelledby="flag-title" class="fe">
        <p>
          <Link href="/ui/flags">← All flags</Link>
        </p>
        <h1 id="flag-title">{name}</h1>
        <Notices error={error} />
        {loading && <p>Loading…</p>}
      </section>
    );
  }

  const draft = drafts[env] ?? { strategies: [], variants: [] };
  const setPart = (e: string, part: Partial<EnvDraft>) =>
    setDrafts((old) => ({ ...old, [e]: { ...(old[e] ?? draft), ...part } }));

  return (
    <section aria-labelledby="flag-title" class="fe">
      <p>
        <Link href="/ui/flags">← All flags</Link>
      </p>
      <div class="fe-head">
        <div>
          <h1 id="flag-title">{flag.name}</h1>
          <p class="fe-meta">
            <span class="fe-badge">{flag.type}</span>
            {flag.stale && <span class="fe-badge">stale</span>}
            <span>project {flag.project}</span>
            <span>version {flag.version}</span>
            {flag.updatedAt && <span>updated {when(flag.updatedAt)}</span>}
          </p>
          {flag.description && <p class="fe-desc">{flag.description}</p>}
        </div>
        <ul class="fe-switches" aria-label="On or off per environment">
          {envs.map((e) => {
            const on = !!flag.environments[e]?.enabled;
            return (
              <li key={e}>
                <span class="fe-env-name">{e}</span>
                <button
                  type="button"
                  role="switch"
                  class="switch"
                  aria-checked={on}
                  aria-label={`${flag.name} in ${e}`}
                  onClick={() => toggle(e)}
                >
                  {on ? 'On' : 'Off'}
                </button>
              </li>
            );
          })}
        </ul>
      </div>
      <Notices error={error} status={status} />
      <button type="button" class="plain" onClick={reload}>
        Reload from server (discards unsaved edits)
      </button>

      <h2 class="fe-section-title">Environments</h2>
      <EnvTabs envs={envs} current={env} onSelect={setEnv} />
      {env && (
        <div
          role="tabpanel"
          id={`fe-panel-${env}`}
          aria-labelledby={`fe-tab-${env}`}
          class="fe-panel"
          tabIndex={0}
        >
          <StrategiesForm
            key={`s-${env}`}
            flag={flag}
            env={env}
            draft={draft.strategies}
            segments={segments}
            onChange={(strategies) => setPart(env, { strategies })}
            onSaved={(f) => {
              setFlag(f);
              setPart(env, { strategies: envDraft(f, env).strategies });
              setStatus(`Saved the strategies of ${env}.`);
              setAuditTick((t) => t + 1);
            }}
            onUnauthorized={onUnauthorized}
          />
          <VariantsForm
            key={`v-${env}`}
            flag={flag}
            env={env}
            draft={draft.variants}
            onChange={(variants) => setPart(env, { variants })}
            onSaved={(f) => {
              setFlag(f);
              setPart(env, { variants: envDraft(f, env).variants });
              setStatus(`Saved the variants of ${env}.`);
              setAuditTick((t) => t + 1);
            }}
            onUnauthorized={onUnauthorized}
          />
        </div>
      )}

      <datalist id="fe-stickiness">
        {STICKINESS.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <MetricsSection name={flag.name} envs={envs} onUnauthorized={onUnauthorized} />
      <AuditSection name={flag.name} tick={auditTick} onUnauthorized={onUnauthorized} />
    </section>
  );
}
