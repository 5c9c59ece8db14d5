// Variants (a strategy's or the environment's): an editor for a list of variant drafts, and the
// form that saves an environment's flag variants (PUT .../variants, with If-Match).
import { useMemo } from 'preact/hooks';
import { putVariants, type FlagDetail } from '../../apis/flags';
import {
  FieldError,
  fieldError,
  focusSoon,
  invalidProps,
} from '../../components/ConstraintsEditor';
import { Notices } from '../Notices';
import {
  afterRemoval,
  PAYLOAD_TYPES,
  toVariant,
  variantDraft,
  type Errors,
  type RowMap,
  type VariantDraft,
  useSaveForm,
} from './model';

export function VariantsEditor({
  value: list,
  onChange,
  idPrefix,
  labelPrefix,
  errors,
  errorPrefix,
  onReindex,
}: {
  value: VariantDraft[];
  onChange: (v: VariantDraft[]) => void;
  idPrefix: string;
  labelPrefix: string;
  errors: Errors;
  errorPrefix: string;
  onReindex: (listPath: string, to: RowMap) => void;  // rows of the list moved or went
}) {
  const update = (i: number, patch: Partial<VariantDraft>) =>
    onChange(list.map((v, k) => (k === i ? { ...v, ...patch } : v)));
  const remove = (i: number) => {
    onChange(list.filter((_, k) => k !== i));
    onReindex(`${errorPrefix}variants`, afterRemoval(i));
    focusSoon(`${idPrefix}-add`);
  };
  const add = () => {
    const draft: VariantDraft = {
      name: `variant-${list.length + 1}`,
      weight: '0',
      stickiness: 'default',
      payloadType: '',
      payloadValue: '',
    };
    onChange([...list, draft]);
    focusSoon(`${idPrefix}${list.length}-name`);
  };
  const total = list.reduce((sum, v) => sum + (Number(v.weight) || 0), 0);
  const splitEvenly = () => {
    const n = list.length;
    onChange(
      list.map((v, i) => ({
        ...v,
        weight: String(Math.floor(1000 / n) + (i < 1000 % n ? 1 : 0)),
        weightType: 'variable',
      })),
    );
  };
  return (
    <div class="fe-variants">
      {list.length === 0 && <p class="fe-empty">No variants.</p>}
      {list.map((v, i) => {
        const id = `${idPrefix}${i}`;
        const path = `${errorPrefix}variants[${i}]`;
        const err = (f: string) => fieldError(errors, `${path}.${f}`);
        const hidden = (
          <span class="visually-hidden">
            {labelPrefix}, variant {i + 1}:{' '}
          </span>
        );
        const payloadErr = errors[`${path}.payload`] ?? '';
        return (
          <div
            key={i}
            class="fe-variant"
            role="group"
            aria-label={`${labelPrefix}, variant ${i + 1}`}
          >
            <FieldError id={id} error={errors[path] ?? ''} />
            <div class="fe-row">
              <div class="fe-field">
                <label for={`${id}-name`}>{hidden}Name</label>
                <input
                  id={`${id}-name`}
                  value={v.name}
                  autocomplete="off"
                  {...invalidProps(`${id}-name`, err('name'))}
                  onInput={(e) => update(i, { name: (e.target as HTMLInputElement).value })}
                />
                <FieldError id={`${id}-name`} error={err('name')} />
              </div>
              <div class="fe-field fe-narrow">
                <label for={`${id}-weight`}>{hidden}Weight (of 1000)</label>
                <input
                  id={`${id}-weight`}
                  inputMode="numeric"
                  value={v.weight}
                  autocomplete="off"
                  {...invalidProps(`${id}-weight`, err('weight'))}
                  onInput={(e) => update(i, { weight: (e.target as HTMLInputElement).value })}
                />
                <FieldError id={`${id}-weight`} error={err('weight')} />
              </div>
              <div class="fe-field fe-narrow">
                <label for={`${id}-stickiness`}>{hidden}Stickiness</label>
                <input
                  id={`${id}-stickiness`}
                  value={v.stickiness}
                  list="fe-stickiness"
                  autocomplete="off"
                  {...invalidProps(`${id}-stickiness`, err('stickiness'))}
                  onInput={(e) => update(i, { stickiness: (e.target as HTMLInputElement).value })}
                />
                <FieldError id={`${id}-stickiness`} error={err('stickiness')} />
              </div>
              <div class="fe-field fe-narrow">
                <label for={`${id}-ptype`}>{hidden}Payload type</label>
                <select
                  id={`${id}-ptype`}
                  value={v.payloadType}
                  {...invalidProps(`${id}-ptype`, err('payload.type'))}
                  onChange={(e) =>
                    update(i, { payloadType: (e.target as HTMLSelectElement).value })
                  }
                >
                  <option value="">none</option>
                  {PAYLOAD_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
                <FieldError id={`${id}-ptype`} error={err('payload.type')} />
              </div>
              {v.payloadType && (
                <div class="fe-field fe-grow">
                  <label for={`${id}-pvalue`}>{hidden}Payload</label>
                  <textarea
                    id={`${id}-pvalue`}
                    rows={2}
                    value={v.payloadValue}
                    {...invalidProps(`${id}-pvalue`, err('payload.value') || payloadErr)}
                    onInput={(e) =>
                      update(i, { payloadValue: (e.target as HTMLTextAreaElement).value })
                    }
                  />
                  <FieldError id={`${id}-pvalue`} error={err('payload.value') || payloadErr} />
                </div>
              )}
              <button type="button" class="plain fe-remove" onClick={() => remove(i)}>
                Remove<span class="visually-hidden"> {labelPrefix}, variant {i + 1}</span>
              </button>
            </div>
            {v.overrides && v.overrides.length > 0 && (
              <p class="fe-hint">
                Overrides kept:{' '}
                {v.overrides
                  .map((o) => `${o.contextName} = ${(o.values ?? []).join(', ')}`)
                  .join('; ')}
              </p>
            )}
          </div>
        );
      })}
      <div class="fe-row">
        <button type="button" class="plain" id={`${idPrefix}-add`} onClick={add}>
          Add variant<span class="visually-hidden"> to {labelPrefix}</span>
        </button>
        {list.length > 0 && (
          <button type="button" class="plain" onClick={splitEvenly}>
            Split weights evenly<span class="visually-hidden"> in {labelPrefix}</span>
          </button>
        )}
        {list.length > 0 && <span class="fe-hint">Total weight: {total} of 1000</span>}
      </div>
    </div>
  );
}

export function VariantsForm({
  flag,
  env,
  draft,
  onChange,
  onSaved,
  onUnauthorized,
}: {
  flag: FlagDetail;
  env: string;
  draft: VariantDraft[];
  onChange: (v: VariantDraft[]) => void;
  onSaved: (f: FlagDetail) => void;
  onUnauthorized: () => void;
}) {
  const { errors, alert, busy, submit, reindex } = useSaveForm(onUnauthorized);
  const saved = useMemo(
    () =>
      JSON.stringify(
        (flag.environments[env]?.variants ?? []).map((v) => toVariant(variantDraft(v), true)),
      ),
    [flag, env],
  );
  const dirty = JSON.stringify(draft.map((v) => toVariant(v, true))) !== saved;
  const save = submit(async () => {
    const body = draft.map((v) => toVariant(v, true));
    onSaved(await putVariants(flag.name, env, body, flag.version));
  });
  return (
    <form class="fe-form" onSubmit={save} noValidate aria-labelledby={`fe-variants-${env}`}>
      <h3 id={`fe-variants-${env}`}>Flag variants in {env}</h3>
      <p class="fe-hint">
        Used when the matching strategy has no variants of its own (Unleash's feature-level
        variants).
      </p>
      <VariantsEditor
        value={draft}
        onChange={onChange}
        idPrefix={`fe-${env}-fv`}
        labelPrefix={`Flag variants in ${env}`}
        errors={errors}
        errorPrefix=""
        onReindex={reindex}
      />
      <div class="fe-actions">
        {dirty && <span class="fe-dirty">Unsaved changes</span>}
        <button type="submit" class="fe-save" disabled={busy}>
          Save variants<span class="visually-hidden"> in {env}</span>
        </button>
      </div>
      <Notices error={alert} />
    </form>
  );
}
