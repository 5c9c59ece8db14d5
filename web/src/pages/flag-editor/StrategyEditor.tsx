// One strategy of the strategies form: its type, title, parameters (a slider for percentages),
// constraints, segments and variants, and buttons to move or remove it.
import type { Segment } from '../../apis/flags';
import {
  ConstraintsEditor,
  FieldError,
  fieldError,
  invalidProps,
} from '../../components/ConstraintsEditor';
import {
  afterRemoval,
  paramsOf,
  removedIndex,
  STRATEGY_TYPES,
  withDefaults,
  type Errors,
  type RowMap,
  type StrategyDraft,
} from './model';
import { VariantsEditor } from './VariantsEditor';

export function StrategyEditor({
  flagName,
  env,
  index,
  count,
  value: s,
  segments,
  errors,
  onChange,
  onMove,
  onRemove,
  onReindex,
}: {
  flagName: string;
  env: string;
  index: number;
  count: number;
  value: StrategyDraft;
  segments: Segment[];
  errors: Errors;
  onChange: (s: StrategyDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
  onReindex: (listPath: string, to: RowMap) => void;  // rows of a list in it moved or went
}) {
  const id = `fe-${env}-s${index}`;
  const path = `strategies[${index}]`;
  const label = `Strategy ${index + 1} in ${env}`;
  const err = (field: string) => fieldError(errors, `${path}.${field}`);
  const hidden = <span class="visually-hidden">{label}: </span>;
  const known = STRATEGY_TYPES.some((t) => t.name === s.name);
  const setParam = (key: string, v: string) =>
    onChange({ ...s, parameters: { ...s.parameters, [key]: v } });
  const unknownSegments = s.segments.filter((sid) => !segments.some((g) => g.id === sid));

  return (
    <fieldset class="fe-strategy" aria-describedby={errors[path] ? `${id}-error` : undefined}>
      <legend>
        Strategy {index + 1}
        {s.title ? `: ${s.title}` : ''}
      </legend>
      <FieldError id={id} error={errors[path] ?? ''} />
      <div class="fe-row">
        <div class="fe-field">
          <label for={`${id}-name`}>{hidden}Type</label>
          <select
            id={`${id}-name`}
            value={s.name}
            {...invalidProps(`${id}-name`, err('name'))}
            onChange={(e) =>
              onChange(withDefaults(s, (e.target as HTMLSelectElement).value, flagName))
            }
          >
            {!known && <option value={s.name}>{s.name}</option>}
            {STRATEGY_TYPES.map((t) => (
              <option key={t.name} value={t.name}>
                {t.label}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-name`} error={err('name')} />
        </div>
        <div class="fe-field">
          <label for={`${id}-title`}>{hidden}Title (optional)</label>
          <input
            id={`${id}-title`}
            value={s.title}
            autocomplete="off"
            {...invalidProps(`${id}-title`, err('title'))}
            onInput={(e) => onChange({ ...s, title: (e.target as HTMLInputElement).value })}
          />
          <FieldError id={`${id}-title`} error={err('title')} />
        </div>
        <label class="ce-check fe-disabled">
          <input
            type="checkbox"
            checked={s.disabled}
            onChange={(e) => onChange({ ...s, disabled: (e.target as HTMLInputElement).checked })}
          />
          {hidden}Disabled (kept, not evaluated)
        </label>
      </div>
      {paramsOf(s.name).length > 0 && (
        <div class="fe-row">
          {paramsOf(s.name).map((p) => {
            const pid = `${id}-p-${p.key}`;
            const perr = err(`parameters.${p.key}`);
            const v = s.parameters[p.key] ?? '';
            if (p.kind === 'percent') {
              const n = Number(v);
              return (
                <div key={p.key} class="fe-field fe-slider">
                  <label for={pid}>
                    {hidden}
                    {p.label}
                  </label>
                  <div class="fe-slider-row">
                    <input
                      id={pid}
                      type="range"
                      min={0}
                      max={100}
                      step={1}
                      value={Number.isFinite(n) ? n : 0}
                      aria-valuetext={`${v || 0}%`}
                      {...invalidProps(pid, perr)}
                      onInput={(e) => setParam(p.key, (e.target as HTMLInputElement).value)}
                    />
                    <output for={pid} class="fe-percent">
                      {v === '' ? '—' : `${v}%`}
                    </output>
                  </div>
                  <FieldError id={pid} error={perr} />
                </div>
              );
            }
            return (
              <div key={p.key} class={`fe-field${p.kind === 'text' ? ' fe-grow' : ''}`}>
                <label for={pid}>
                  {hidden}
                  {p.label}
                </label>
                <input
                  id={pid}
                  value={v}
                  autocomplete="off"
                  list={p.kind === 'stickiness' ? 'fe-stickiness' : undefined}
                  {...invalidProps(pid, perr)}
                  onInput={(e) => setParam(p.key, (e.target as HTMLInputElement).value)}
                />
                <FieldError id={pid} error={perr} />
              </div>
            );
          })}
        </div>
      )}
      <fieldset class="fe-sub">
        <legend>Constraints</legend>
        <ConstraintsEditor
          value={s.constraints}
          onChange={(constraints) => {
            const removed = removedIndex(s.constraints, constraints);
            if (removed >= 0) onReindex(`${path}.constraints`, afterRemoval(removed));
            onChange({ ...s, constraints });
          }}
          idPrefix={id}
          labelPrefix={label}
          errors={errors}
          errorPrefix={`${path}.`}
        />
      </fieldset>
      <fieldset
        class="fe-sub"
        aria-describedby={err('segments') ? `${id}-segments-error` : undefined}
      >
        <legend>
          Segments<span class="visually-hidden"> of {label}</span>
        </legend>
        {segments.length === 0 && unknownSegments.length === 0 && (
          <p class="fe-empty">No segments defined.</p>
        )}
        <div class="fe-checks">
          {segments.map((g) => (
            <label key={g.id} class="ce-check">
              <input
                type="checkbox"
                checked={s.segments.includes(g.id)}
                onChange={(e) =>
                  onChange({
                    ...s,
                    segments: (e.target as HTMLInputElement).checked
                      ? [...s.segments, g.id]
                      : s.segments.filter((x) => x !== g.id),
                  })
                }
              />
              {g.name}
              <span class="visually-hidden"> (segment for {label})</span>
            </label>
          ))}
          {unknownSegments.map((sid) => (
            <label key={sid} class="ce-check">
              <input
                type="checkbox"
                checked
                onChange={() => onChange({ ...s, segments: s.segments.filter((x) => x !== sid) })}
              />
              Segment #{sid} (unknown)
              <span class="visually-hidden"> for {label}</span>
            </label>
          ))}
        </div>
        <FieldError id={`${id}-segments`} error={err('segments')} />
      </fieldset>
      <fieldset class="fe-sub">
        <legend>
          Variants<span class="visually-hidden"> of {label}</span>
        </legend>
        <VariantsEditor
          value={s.variants}
          onChange={(variants) => onChange({ ...s, variants })}
          idPrefix={`${id}-v`}
          labelPrefix={label}
          errors={errors}
          errorPrefix={`${path}.`}
          onReindex={onReindex}
        />
      </fieldset>
      <div class="fe-row fe-strategy-actions">
        <button
          type="button"
          class="plain"
          id={`${id}-up`}
          disabled={index === 0}
          onClick={() => onMove(-1)}
        >
          Move up<span class="visually-hidden"> {label}</span>
        </button>
        <button
          type="button"
          class="plain"
          id={`${id}-down`}
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          Move down<span class="visually-hidden"> {label}</span>
        </button>
        <button type="button" class="plain fe-remove" onClick={onRemove}>
          Remove<span class="visually-hidden"> {label}</span>
        </button>
      </div>
    </fieldset>
  );
}
