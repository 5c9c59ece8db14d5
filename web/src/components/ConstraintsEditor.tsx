// An editor for a list of Unleash constraints (a strategy's or a segment's): per constraint its
// context field, operator (the closed set the API accepts), values (one per line for the list
// operators) or single value, and the inverted / case-insensitive switches. Every control is
// labelled (`labelPrefix` makes the names unique on a page); the API's field errors (e.g.
// "strategies[0].constraints[1].value") are shown beside the matching control.
//
// The editor keeps what the user typed verbatim (a values box may end in an empty line while
// typing); send `cleanConstraints(list)` to the API.
import type { Constraint } from '../api';
import '../pages/flag-editor.css';

// The operators the API accepts (flags/model.cc), in the order the select lists them.
export const OPERATORS: readonly string[] = [
  'IN',
  'NOT_IN',
  'STR_STARTS_WITH',
  'STR_ENDS_WITH',
  'STR_CONTAINS',
  'NUM_EQ',
  'NUM_GT',
  'NUM_GTE',
  'NUM_LT',
  'NUM_LTE',
  'DATE_AFTER',
  'DATE_BEFORE',
  'SEMVER_EQ',
  'SEMVER_GT',
  'SEMVER_LT',
  'SEMVER_GTE',
  'SEMVER_LTE',
  'REGEX',
  'IN_CIDR',
];

const LIST_OPERATORS = new Set([
  'IN',
  'NOT_IN',
  'STR_STARTS_WITH',
  'STR_ENDS_WITH',
  'STR_CONTAINS',
  'IN_CIDR',
]);

// Whether `operator` reads the `values` list (else the single `value`).
export const readsValues = (operator: string): boolean => LIST_OPERATORS.has(operator);

// Whether `caseInsensitive` changes how `operator` matches.
const caseMatters = (operator: string): boolean =>
  operator.startsWith('STR_') || operator === 'REGEX';

// Context fields every SDK sends; any other name (a custom property) may be typed.
const CONTEXT_FIELDS = [
  'userId',
  'sessionId',
  'remoteAddress',
  'environment',
  'appName',
  'currentTime',
];

// A new constraint as the "Add constraint" button creates it.
export const newConstraint = (): Constraint => ({
  contextName: 'userId',
  operator: 'IN',
  values: [],
  inverted: false,
  caseInsensitive: false,
});

// The list as the API wants it: list operators send their non-empty, trimmed values; the others
// send their single value (left out when never typed: the API then says it is required).
export function cleanConstraints(list: Constraint[]): Constraint[] {
  return list.map((c) => {
    const out: Constraint = { contextName: c.contextName, operator: c.operator };
    if (readsValues(c.operator)) {
      out.values = (c.values ?? []).map((v) => v.trim()).filter((v) => v !== '');
    } else if (c.value !== undefined) {
      out.value = String(c.value);
    }
    if (c.inverted) out.inverted = true;
    if (c.caseInsensitive) out.caseInsensitive = true;
    return out;
  });
}

// The message for API field `key` or any of its elements (key[0], key[1]...).
export function fieldError(errors: Record<string, string> | undefined, key: string): string {
  if (!errors) return '';
  if (errors[key]) return errors[key];
  for (const [k, message] of Object.entries(errors)) {
    if (k.startsWith(`${key}[`) || k.startsWith(`${key}.`)) return message;
  }
  return '';
}

// Props for a control with an optional error beside it.
export function invalidProps(id: string, error: string) {
  return {
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
  };
}

// Moves focus to element `id` once the change being rendered is on screen (keyboard users keep
// their place when a row is added or removed).
export function focusSoon(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

export function FieldError({ id, error }: { id: string; error: string }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} class="field-error">
      {error}
    </p>
  );
}

export function ConstraintsEditor(props: {
  value: Constraint[];
  onChange: (c: Constraint[]) => void;
  idPrefix: string;
  labelPrefix: string;
  errors?: Record<string, string>;  // key: the API's field path, e.g. "constraints[1].values"
  errorPrefix?: string;  // prepended to "constraints[i]...", e.g. "strategies[0]."
}) {
  const { value: list, onChange, idPrefix, labelPrefix, errors, errorPrefix = '' } = props;
  const datalist = `${idPrefix}-context-fields`;

  const update = (i: number, patch: Partial<Constraint>) =>
    onChange(list.map((c, k) => (k === i ? { ...c, ...patch } : c)));
  const remove = (i: number) => {
    onChange(list.filter((_, k) => k !== i));
    focusSoon(`${idPrefix}-add-constraint`);
  };
  const add = () => {
    onChange([...list, newConstraint()]);
    focusSoon(`${idPrefix}-c${list.length}-context`);
  };

  return (
    <div class="ce">
      <datalist id={datalist}>
        {CONTEXT_FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {list.length === 0 && <p class="ce-empty">No constraints: applies to every context.</p>}
      {list.map((c, i) => {
        const id = `${idPrefix}-c${i}`;
        const path = `${errorPrefix}constraints[${i}]`;
        const err = (field: string) => fieldError(errors, `${path}.${field}`);
        const whole = errors?.[path] ?? '';
        const hidden = (
          <span class="visually-hidden">
            {labelPrefix}, constraint {i + 1}:{' '}
          </span>
        );
        const isList = readsValues(c.operator);
        const knownOperator = OPERATORS.includes(c.operator);
        return (
          <fieldset key={i} class="ce-item" aria-describedby={whole ? `${id}-error` : undefined}>
            <legend>Constraint {i + 1}</legend>
            <FieldError id={id} error={whole} />
            <div class="ce-row">
              <div class="ce-field">
                <label for={`${id}-context`}>
                  {hidden}Context field
                </label>
                <input
                  id={`${id}-context`}
                  list={datalist}
                  value={c.contextName}
                  autocomplete="off"
                  {...invalidProps(`${id}-context`, err('contextName'))}
                  onInput={(e) => update(i, { contextName: (e.target as HTMLInputElement).value })}
                />
                <FieldError id={`${id}-context`} error={err('contextName')} />
              </div>
              <div class="ce-field">
                <label for={`${id}-operator`}>
                  {hidden}Operator
                </label>
                <select
                  id={`${id}-operator`}
                  value={c.operator}
                  {...invalidProps(`${id}-operator`, err('operator'))}
                  onChange={(e) => update(i, { operator: (e.target as HTMLSelectElement).value })}
                >
                  {!knownOperator && <option value={c.operator}>{c.operator}</option>}
                  {OPERATORS.map((op) => (
                    <option key={op} value={op}>
                      {op}
                    </option>
                  ))}
                </select>
                <FieldError id={`${id}-operator`} error={err('operator')} />
              </div>
              {isList ? (
                <div class="ce-field ce-values">
                  <label for={`${id}-values`}>
                    {hidden}Values (one per line)
                  </label>
                  <textarea
                    id={`${id}-values`}
                    class="ce-textarea"
                    rows={Math.min(6, Math.max(2, (c.values?.length ?? 0) + 1))}
                    value={(c.values ?? []).join('\n')}
                    {...invalidProps(`${id}-values`, err('values'))}
                    onInput={(e) =>
                      update(i, { values: (e.target as HTMLTextAreaElement).value.split('\n') })
                    }
                  />
                  <FieldError id={`${id}-values`} error={err('values')} />
                </div>
              ) : (
                <div class="ce-field ce-values">
                  <label for={`${id}-value`}>
                    {hidden}Value
                  </label>
                  <input
                    id={`${id}-value`}
                    value={c.value === undefined ? '' : String(c.value)}
                    autocomplete="off"
                    {...invalidProps(`${id}-value`, err('value'))}
                    onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })}
                  />
                  <FieldError id={`${id}-value`} error={err('value')} />
                </div>
              )}
            </div>
            <div class="ce-row">
              <label class="ce-check">
                <input
                  type="checkbox"
                  checked={!!c.inverted}
                  onChange={(e) => update(i, { inverted: (e.target as HTMLInputElement).checked })}
                />
                {hidden}Inverted (NOT)
              </label>
              {caseMatters(c.operator) && (
                <label class="ce-check">
                  <input
                    type="checkbox"
                    checked={!!c.caseInsensitive}
                    onChange={(e) =>
                      update(i, { caseInsensitive: (e.target as HTMLInputElement).checked })
                    }
                  />
                  {hidden}Case-insensitive
                </label>
              )}
              <button type="button" class="plain ce-remove" onClick={() => remove(i)}>
                Remove<span class="visually-hidden"> {labelPrefix}, constraint {i + 1}</span>
              </button>
            </div>
          </fieldset>
        );
      })}
      <button type="button" class="plain" id={`${idPrefix}-add-constraint`} onClick={add}>
        Add constraint<span class="visually-hidden"> to {labelPrefix}</span>
      </button>
    </div>
  );
}
