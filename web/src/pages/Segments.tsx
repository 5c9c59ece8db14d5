// Segments: named constraint sets that flag strategies reference by id. A table of every
// segment (GET /api/v1/segments) with its constraints and the flags that use it (from the flags
// list's strategies), a form to create one (POST), editing one (PUT with If-Match: its version)
// and deleting one after a confirm step (DELETE; the API answers 409 while a flag uses it).
// A 4xx names the field: its message is shown beside that control and nothing typed is lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Constraint } from '../api';
import {
  createSegment,
  deleteSegment,
  listSegments,
  replaceSegment,
  segmentUsage,
  type Segment,
  type SegmentInput,
  type SegmentUse,
} from '../apis/segments';
import { ConfirmButtons } from '../components/ConfirmButtons';
import { ColumnHeads } from '../components/ColumnHeads';
import {
  cleanConstraints,
  ConstraintsEditor,
  focusSoon,
  readsValues,
} from '../components/ConstraintsEditor';
import { plural } from '../format';
import { useFail, useLoading } from '../hooks';
import type { PageProps } from '../router';
import { errorText, isUnauthorized, Notices } from './Notices';
import './segments.css';

// One line describing a constraint, e.g. "userId IN a, b" or "NOT appName STR_CONTAINS x".
export function describeConstraint(c: Segment['constraints'][number]): string {
  const operand = readsValues(c.operator) ? (c.values ?? []).join(', ') : String(c.value ?? '');
  return `${c.inverted ? 'NOT ' : ''}${c.contextName} ${c.operator} ${operand}`.trim() +
    (c.caseInsensitive ? ' (case-insensitive)' : '');
}

export function SegmentsPage({ onUnauthorized }: PageProps) {
  const [segments, setSegments] = useState<Segment[]>([]);
  const [usage, setUsage] = useState<Map<number, SegmentUse[]> | null>(null);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [editing, setEditing] = useState<Segment | null>(null);
  const title = useRef<HTMLHeadingElement>(null);

  const fail = useFail(onUnauthorized, setError);
  const [loading, run] = useLoading(fail);

  const load = () =>
    run(async () => {
      const [list, uses] = await Promise.all([
        listSegments(),
        segmentUsage().catch((err) => {
          if (isUnauthorized(err)) throw err;
          return null;
        }),
      ]);
      setSegments(list.items);
      setUsage(uses);
    });

  useEffect(() => {
    load();
  }, []);

  // Keyboard focus follows the confirm step: onto the confirm button when it appears, back to
  // the row's button when it goes.
  const buttonId = (s: Segment, what: 'edit' | 'delete' | 'confirm') => `segment-${s.id}-${what}`;

  const confirm = (s: Segment | null) => {
    const previous = segments.find((x) => x.id === confirming);
    setConfirming(s ? s.id : null);
    if (s) focusSoon(buttonId(s, 'confirm'));
    else if (previous) focusSoon(buttonId(previous, 'delete'));
  };

  const remove = async (s: Segment) => {
    setError('');
    try {
      await deleteSegment(s.id, s.version);
      setConfirming(null);
      setStatus(`Deleted segment ${s.name}.`);
      if (editing?.id === s.id) setEditing(null);
      title.current?.focus();
      load();
    } catch (err) {
      setConfirming(null);
      focusSoon(buttonId(s, 'delete'));
      fail(err);
      // A 409 may mean the list is out of date (another version, a new user of the segment).
      if (err instanceof ApiError && err.status === 409) load();
    }
  };

  const closeEditor = (s: Segment) => {
    setEditing(null);
    focusSoon(buttonId(s, 'edit'));
  };

  const usedBy = (s: Segment) => {
    if (!usage) return 'unknown';
    const uses = usage.get(s.id);
    if (!uses || uses.length === 0) return 'none';
    return (
      <ul class="segment-uses">
        {uses.map((u) => (
          <li key={`${u.flag}/${u.environment}`}>
            {u.flag} ({u.environment})
          </li>
        ))}
      </ul>
    );
  };

  return (
    <section aria-labelledby="segments-title">
      <h1 id="segments-title" ref={title} tabIndex={-1}>
        Segments
      </h1>
      <p class="segments-intro">
        A segment is a named set of constraints that flag strategies share. A strategy applies to
        a user only when every constraint of its segments matches.
      </p>
      {editing && (
        <SegmentForm
          key={`edit-${editing.id}-${editing.version}`}
          idPrefix="edit-segment"
          title={`Edit segment ${editing.name}`}
          labelPrefix={`Segment ${editing.name}`}
          submitLabel="Save segment"
          initial={editing}
          autoFocus
          onSubmit={(input) => replaceSegment(editing.id, editing.version, input)}
          onSaved={(s) => {
            setStatus(`Saved segment ${s.name}.`);
            closeEditor(s);
            load();
          }}
          onCancel={() => closeEditor(editing)}
          onUnauthorized={onUnauthorized}
        />
      )}
      {/* Kept while a segment is edited (hidden), so what was typed here stays. */}
      <SegmentForm
        hidden={!!editing}
        idPrefix="new-segment"
        title="New segment"
        labelPrefix="New segment"
        submitLabel="Create segment"
        onSubmit={createSegment}
        onSaved={(s) => {
          setStatus(`Created segment ${s.name}.`);
          load();
        }}
        onUnauthorized={onUnauthorized}
      />
      <Notices error={error} status={status} />
      <table class="grid segments">
        <caption>Segments{loading ? ' (loading…)' : ''}</caption>
        <ColumnHeads names={['Name', 'ID', 'Constraints', 'Used by', 'Actions']} />
        <tbody>
          {segments.length === 0 && !loading && (
            <tr>
              <td colSpan={5}>No segments yet.</td>
            </tr>
          )}
          {segments.map((s) => (
            <tr key={s.id}>
              <th scope="row">{s.name}</th>
              <td>{s.id}</td>
              <td>
                <span class="segment-count">{plural(s.constraints.length, 'constraint')}</span>
                {s.constraints.length > 0 && (
                  <ul class="segment-constraints">
                    {s.constraints.map((c, i) => (
                      <li key={i}>
                        <code>{describeConstraint(c)}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>{usedBy(s)}</td>
              <td class="actions">
                {confirming === s.id ? (
                  <ConfirmButtons
                    id={buttonId(s, 'confirm')}
                    onConfirm={() => remove(s)}
                    onCancel={() => confirm(null)}
                  >
                    Confirm deleting {s.name}
                  </ConfirmButtons>
                ) : (
                  <>
                    <button
                      type="button"
                      class="plain"
                      id={buttonId(s, 'edit')}
                      aria-label={`Edit ${s.name}`}
                      onClick={() => {
                        setStatus('');
                        setEditing(s);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="plain"
                      id={buttonId(s, 'delete')}
                      aria-label={`Delete ${s.name}`}
                      onClick={() => confirm(s)}
                    >
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// The create and edit form: a name and the constraints. The API's field error (name, or
// constraints[i].field) is shown beside its control; anything else above the button.
function SegmentForm({
  hidden,
  idPrefix,
  title,
  labelPrefix,
  submitLabel,
  initial,
  autoFocus,
  onSubmit,
  onSaved,
  onCancel,
  onUnauthorized,
}: {
  hidden?: boolean;
  idPrefix: string;
  title: string;
  labelPrefix: string;  // makes the constraint controls' names unique on the page
  submitLabel: string;
  initial?: Segment;
  autoFocus?: boolean;
  onSubmit: (input: SegmentInput) => Promise<Segment>;
  onSaved: (s: Segment) => void;
  onCancel?: () => void;
  onUnauthorized: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [constraints, setConstraints] = useState<Constraint[]>(
    initial?.constraints.map((c) => ({ ...c, values: c.values ? [...c.values] : c.values })) ??
      [],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (autoFocus) nameInput.current?.focus();
  }, []);

  // After a field error, the keyboard is taken to the control it names.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError('');
    try {
      const saved = await onSubmit({ name, constraints: cleanConstraints(constraints) });
      if (!initial) {
        setName('');
        setConstraints([]);
      }
      onSaved(saved);
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      const field = err instanceof ApiError ? err.field : undefined;
      if (field === 'name' || (field && field.startsWith('constraints'))) {
        setErrors({ [field]: (err as Error).message });
      } else if (initial && err instanceof ApiError && err.status === 409) {
        setFormError(
          `${err.message}: someone else changed this segment. Your edits are kept here; Cancel ` +
            'and edit again to start from the saved version.',
        );
      } else {
        setFormError(errorText(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const nameError = errors.name;
  const titleId = `${idPrefix}-title`;
  return (
    <form
      ref={formRef}
      class="panel segment-form"
      hidden={hidden}
      onSubmit={submit}
      noValidate
      aria-labelledby={titleId}
    >
      <h2 id={titleId}>{title}</h2>
      <div class="fields">
        <div>
          <label for={`${idPrefix}-name`}>Segment name</label>
          <input
            id={`${idPrefix}-name`}
            ref={nameInput}
            value={name}
            autocomplete="off"
            aria-invalid={nameError ? 'true' : undefined}
            aria-describedby={nameError ? `${idPrefix}-name-error` : undefined}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          {nameError && (
            <p id={`${idPrefix}-name-error`} class="field-error" role="alert">
              {nameError}
            </p>
          )}
        </div>
      </div>
      <fieldset
        class="segment-constraints-editor"
        aria-describedby={errors.constraints ? `${idPrefix}-constraints-error` : undefined}
      >
        <legend>Constraints</legend>
        {errors.constraints && (
          <p id={`${idPrefix}-constraints-error`} class="field-error" role="alert">
            {errors.constraints}
          </p>
        )}
        <ConstraintsEditor
          value={constraints}
          onChange={setConstraints}
          idPrefix={`${idPrefix}-constraints`}
          labelPrefix={labelPrefix}
          errors={errors}
        />
      </fieldset>
      <Notices error={formError} />
      <div class="segment-form-actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="plain" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
