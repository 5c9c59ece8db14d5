// The strategies of one environment: the form that edits and saves them (PUT
// .../environments/{env}/strategies, with If-Match), one StrategyEditor per strategy.
import { useMemo, useState } from 'preact/hooks';
import { putStrategies, type FlagDetail, type Segment } from '../../apis/flags';
import { FieldError, focusSoon } from '../../components/ConstraintsEditor';
import { Notices } from '../Notices';
import {
  afterRemoval,
  afterSwap,
  newKey,
  STRATEGY_TYPES,
  strategyDraft,
  toStrategy,
  withDefaults,
  type StrategyDraft,
  useSaveForm,
} from './model';
import { StrategyEditor } from './StrategyEditor';

export function StrategiesForm({
  flag,
  env,
  draft,
  segments,
  onChange,
  onSaved,
  onUnauthorized,
}: {
  flag: FlagDetail;
  env: string;
  draft: StrategyDraft[];
  segments: Segment[];
  onChange: (s: StrategyDraft[]) => void;
  onSaved: (f: FlagDetail) => void;
  onUnauthorized: () => void;
}) {
  const { errors, alert, busy, submit, reindex } = useSaveForm(onUnauthorized);
  const [newType, setNewType] = useState('flexibleRollout');

  const saved = useMemo(
    () =>
      JSON.stringify(
        (flag.environments[env]?.strategies ?? []).map(strategyDraft).map(toStrategy),
      ),
    [flag, env],
  );
  const dirty = JSON.stringify(draft.map(toStrategy)) !== saved;
  const update = (i: number, s: StrategyDraft) => onChange(draft.map((d, k) => (k === i ? s : d)));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= draft.length) return;
    const next = [...draft];
    [next[i], next[j]] = [next[j], next[i]];
    onChange(next);
    reindex('strategies', afterSwap(i, j));
    const edge = by < 0 ? j === 0 : j === draft.length - 1;
    focusSoon(`fe-${env}-s${j}-${(by < 0) !== edge ? 'up' : 'down'}`);
  };

  const save = submit(async () =>
    onSaved(await putStrategies(flag.name, env, draft.map(toStrategy), flag.version)),
  );

  const add = () => {
    const blank: StrategyDraft = {
      key: newKey(),
      name: newType,
      title: '',
      disabled: false,
      parameters: {},
      constraints: [],
      segments: [],
      variants: [],
    };
    onChange([...draft, withDefaults(blank, newType, flag.name)]);
    focusSoon(`fe-${env}-s${draft.length}-name`);
  };
  const remove = (i: number) => {
    onChange(draft.filter((_, k) => k !== i));
    reindex('strategies', afterRemoval(i));
    focusSoon(`fe-${env}-new-type`);
  };

  return (
    <form class="fe-form" onSubmit={save} noValidate aria-labelledby={`fe-strategies-${env}`}>
      <h3 id={`fe-strategies-${env}`}>Strategies in {env}</h3>
      <p class="fe-hint">
        The flag is on for a context when any enabled strategy matches it (and the flag is on in
        this environment).
      </p>
      <FieldError id={`fe-${env}-strategies`} error={errors.strategies ?? ''} />
      {draft.length === 0 && (
        <p class="fe-empty">No strategies: when on, the flag is on for everyone.</p>
      )}
      {draft.map((s, i) => (
        <StrategyEditor
          key={s.key}
          flagName={flag.name}
          env={env}
          index={i}
          count={draft.length}
          value={s}
          segments={segments}
          errors={errors}
          onChange={(next) => update(i, next)}
          onMove={(by) => move(i, by)}
          onRemove={() => remove(i)}
          onReindex={reindex}
        />
      ))}
      <div class="fe-actions">
        <label for={`fe-${env}-new-type`}>New strategy type</label>
        <select
          id={`fe-${env}-new-type`}
          value={newType}
          onChange={(e) => setNewType((e.target as HTMLSelectElement).value)}
        >
          {STRATEGY_TYPES.map((t) => (
            <option key={t.name} value={t.name}>
              {t.label}
            </option>
          ))}
        </select>
        <button type="button" class="plain" onClick={add}>
          Add strategy
        </button>
        {dirty && <span class="fe-dirty">Unsaved changes</span>}
        <button type="submit" class="fe-save" disabled={busy}>
          Save strategies<span class="visually-hidden"> in {env}</span>
        </button>
      </div>
      <Notices error={alert} />
    </form>
  );
}
