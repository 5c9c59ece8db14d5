// The flag editor's model (pages/FlagEditor.tsx and flag-editor/*): the drafts the user edits,
// kept verbatim (numbers as typed) until the API accepts them; the strategy types the API knows;
// conversions between drafts and the API's shapes; and the field errors of a failed save, kept by
// the API's field path (e.g. strategies[0].constraints[1].value) and moved along when rows are
// removed or reordered.
import { useState } from 'preact/hooks';
import { ApiError, type Constraint } from '../../api';
import type { FlagDetail, Strategy, Variant, VariantOverride } from '../../apis/flags';
import { cleanConstraints } from '../../components/ConstraintsEditor';
import { errorText, isUnauthorized } from '../Notices';

// ---- Drafts: what the user edits, kept verbatim (numbers as typed) until the API accepts it.

export interface VariantDraft {
  name: string;
  weight: string;
  weightType?: string;
  stickiness: string;
  payloadType: string;  // '' for no payload
  payloadValue: string;
  overrides?: VariantOverride[];  // flag variants only; kept as they are
}

export interface StrategyDraft {
  key: number;  // stable identity for rendering while strategies move
  name: string;
  id?: string;
  title: string;
  disabled: boolean;
  parameters: Record<string, string>;
  constraints: Constraint[];
  segments: number[];
  variants: VariantDraft[];
}

export interface EnvDraft {
  strategies: StrategyDraft[];
  variants: VariantDraft[];
}

export type Errors = Record<string, string>;

export interface ParamSpec {
  key: string;
  label: string;
  kind: 'percent' | 'text' | 'stickiness';
  required?: boolean;
}

// The built-in strategies the API accepts (flags/validate.cc) and the parameters each reads.
export const STRATEGY_TYPES: { name: string; label: string; params: ParamSpec[] }[] = [
  {
    name: 'flexibleRollout',
    label: 'Gradual rollout (flexibleRollout)',
    params: [
      { key: 'rollout', label: 'Rollout %', kind: 'percent', required: true },
      { key: 'stickiness', label: 'Stickiness', kind: 'stickiness' },
      { key: 'groupId', label: 'Group id', kind: 'text' },
    ],
  },
  { name: 'default', label: 'Standard (default): on for everyone', params: [] },
  {
    name: 'userWithId',
    label: 'User ids (userWithId)',
    params: [{ key: 'userIds', label: 'User ids (comma-separated)', kind: 'text', required: true }],
  },
  {
    name: 'gradualRolloutUserId',
    label: 'Gradual rollout by user id (gradualRolloutUserId)',
    params: [
      { key: 'percentage', label: 'Percentage', kind: 'percent', required: true },
      { key: 'groupId', label: 'Group id', kind: 'text' },
    ],
  },
  {
    name: 'gradualRolloutSessionId',
    label: 'Gradual rollout by session id (gradualRolloutSessionId)',
    params: [
      { key: 'percentage', label: 'Percentage', kind: 'percent', required: true },
      { key: 'groupId', label: 'Group id', kind: 'text' },
    ],
  },
  {
    name: 'gradualRolloutRandom',
    label: 'Random percentage (gradualRolloutRandom)',
    params: [{ key: 'percentage', label: 'Percentage', kind: 'percent', required: true }],
  },
  {
    name: 'remoteAddress',
    label: 'IP addresses (remoteAddress)',
    params: [
      {
        key: 'IPs',
        label: 'IP addresses or CIDR ranges (comma-separated)',
        kind: 'text',
        required: true,
      },
    ],
  },
  {
    name: 'applicationHostname',
    label: 'Host names (applicationHostname)',
    params: [
      { key: 'hostNames', label: 'Host names (comma-separated)', kind: 'text', required: true },
    ],
  },
];

const KNOWN_PARAMS = new Set(STRATEGY_TYPES.flatMap((t) => t.params.map((p) => p.key)));
export const paramsOf = (name: string) =>
  STRATEGY_TYPES.find((t) => t.name === name)?.params ?? [];
export const STICKINESS = ['default', 'userId', 'sessionId', 'random'];
export const PAYLOAD_TYPES = ['string', 'json', 'csv', 'number'];

let nextKey = 1;

// A new stable identity for a strategy draft.
export const newKey = (): number => nextKey++;

export function variantDraft(v: Variant): VariantDraft {
  return {
    name: v.name,
    weight: v.weight === undefined ? '' : String(v.weight),
    weightType: v.weightType,
    stickiness: v.stickiness ?? '',
    payloadType: v.payload?.type ?? '',
    payloadValue: v.payload?.value ?? '',
    overrides: v.overrides,
  };
}

export function strategyDraft(s: Strategy): StrategyDraft {
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.parameters ?? {})) {
    parameters[k] = v == null ? '' : String(v);
  }
  return {
    key: newKey(),
    name: s.name,
    id: s.id,
    title: s.title ?? '',
    disabled: !!s.disabled,
    parameters,
    constraints: (s.constraints ?? []).map((c) => ({
      ...c,
      value: c.value === undefined ? undefined : String(c.value),
    })),
    segments: s.segments ?? [],
    variants: (s.variants ?? []).map(variantDraft),
  };
}

export function envDraft(flag: FlagDetail, env: string): EnvDraft {
  const e = flag.environments[env] ?? {};
  return {
    strategies: (e.strategies ?? []).map(strategyDraft),
    variants: (e.variants ?? []).map(variantDraft),
  };
}

// A strategy of type `name` with its parameters' defaults filled in.
export function withDefaults(d: StrategyDraft, name: string, flagName: string): StrategyDraft {
  const parameters = { ...d.parameters };
  if (name === 'flexibleRollout') {
    parameters.rollout ??= '100';
    parameters.stickiness ??= 'default';
    parameters.groupId ??= flagName;
  } else if (name.startsWith('gradualRollout')) {
    parameters.percentage ??= '100';
    if (name !== 'gradualRolloutRandom') parameters.groupId ??= flagName;
  }
  return { ...d, name, parameters };
}

// A weight as typed: an integer is sent as a number, anything else as typed (the API names it).
const weightValue = (w: string): number | string => (/^-?\d+$/.test(w.trim()) ? Number(w) : w);

export function toVariant(d: VariantDraft, withOverrides: boolean): Variant {
  const v: Variant = { name: d.name, weight: weightValue(d.weight) as number };
  if (d.weightType) v.weightType = d.weightType;
  if (d.stickiness) v.stickiness = d.stickiness;
  if (d.payloadType) v.payload = { type: d.payloadType, value: d.payloadValue };
  if (withOverrides && d.overrides?.length) v.overrides = d.overrides;
  return v;
}

export function toStrategy(d: StrategyDraft, index: number): Strategy {
  const parameters: Record<string, string> = {};
  // Parameters no built-in strategy reads are kept as they came.
  for (const [k, v] of Object.entries(d.parameters)) if (!KNOWN_PARAMS.has(k)) parameters[k] = v;
  for (const p of paramsOf(d.name)) {
    const v = d.parameters[p.key] ?? '';
    if (p.required || v !== '') parameters[p.key] = v;
  }
  const s: Strategy = {
    name: d.name,
    parameters,
    constraints: cleanConstraints(d.constraints),
    segments: d.segments,
    variants: d.variants.map((v) => toVariant(v, false)),
    sortOrder: index,
  };
  if (d.id) s.id = d.id;
  if (d.title) s.title = d.title;
  if (d.disabled) s.disabled = true;
  return s;
}

// The error a failed save shows: the API's field errors by field, and a summary alert.
export function saveFailure(err: unknown): { errors: Errors; alert: string } {
  if (err instanceof ApiError && err.field) {
    return {
      errors: { [err.field]: err.message },
      alert: `Not saved: ${err.field}: ${err.message}`,
    };
  }
  if (err instanceof ApiError && err.status === 409) {
    return {
      errors: {},
      alert:
        `Not saved: ${err.message}. Someone changed this flag meanwhile; your edits are kept ` +
        '— reload to see theirs.',
    };
  }
  return { errors: {}, alert: `Not saved: ${errorText(err)}` };
}

// A form that saves an environment's strategies or variants: submit(save) makes the submit
// handler, which runs `save` (busy meanwhile) and shows a failure as field errors and an alert
// (a 401 signs out); reindex() moves the field errors along when rows move or go.
export function useSaveForm(onUnauthorized: () => void) {
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (save: () => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setAlert('');
    try {
      await save();
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      const f = saveFailure(err);
      setErrors(f.errors);
      setAlert(f.alert);
    } finally {
      setBusy(false);
    }
  };
  const reindex = (listPath: string, to: RowMap) =>
    setErrors((old) => reindexErrors(old, listPath, to));
  return { errors, alert, busy, submit, reindex };
}

// ---- Field errors when rows move: `to(i)` is row i's new index, or null when it was removed.

export type RowMap = (i: number) => number | null;

export const afterRemoval =
  (removed: number): RowMap =>
  (i) =>
    i === removed ? null : i > removed ? i - 1 : i;

export const afterSwap =
  (a: number, b: number): RowMap =>
  (i) =>
    i === a ? b : i === b ? a : i;

// The errors with those of the rows of list `listPath` (e.g. "strategies",
// "strategies[0].constraints", "variants") re-keyed to the rows' new indexes; the errors of
// removed rows are dropped. Errors about the list as a whole or other lists are kept as they are.
export function reindexErrors(errors: Errors, listPath: string, to: RowMap): Errors {
  const prefix = `${listPath}[`;
  const out: Errors = {};
  for (const [k, message] of Object.entries(errors)) {
    const m = k.startsWith(prefix) ? /^(\d+)\](.*)$/.exec(k.slice(prefix.length)) : null;
    if (!m) {
      out[k] = message;
      continue;
    }
    const j = to(Number(m[1]));
    if (j !== null) out[`${prefix}${j}]${m[2]}`] = message;
  }
  return out;
}

// The index of the one element `next` lacks compared with `prev` (otherwise the same elements
// in the same order, as a list editor's remove leaves it), or -1 when `next` is not that.
export function removedIndex<T>(prev: readonly T[], next: readonly T[]): number {
  if (next.length !== prev.length - 1) return -1;
  for (let i = 0; i < next.length; i++) if (prev[i] !== next[i]) return i;
  return next.length;
}
