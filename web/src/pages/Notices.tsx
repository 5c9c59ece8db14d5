// What every page does with the API's answers: a 401 signs out, any other error is shown as an
// alert, and a status line announces what succeeded.
import { ApiError } from '../api';

// True for the API's 401: the page signs out instead of showing it.
export const isUnauthorized = (err: unknown): boolean =>
  err instanceof ApiError && err.status === 401;

// The text a page shows for an error.
export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);

// An error alert (present only when there is an error) and, when `status` is given, a status
// line (always present, so screen readers announce its changes).
export function Notices({ error, status }: { error: string; status?: string }) {
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status !== undefined && (
        <p class="status" role="status">
          {status}
        </p>
      )}
    </>
  );
}

// A form's field errors, keyed by field: invalid(f) gives the attributes tying field f's control
// to its error, fieldError(f) the error itself (an alert beside the control, present only when
// there is an error). errorId(f) names the error's element.
export function fieldErrorHelpers<F extends string>(
  errors: Partial<Record<F, string>>,
  errorId: (f: F) => string,
) {
  return {
    invalid: (f: F) =>
      errors[f] ? { 'aria-invalid': 'true' as const, 'aria-describedby': errorId(f) } : {},
    fieldError: (f: F) =>
      errors[f] && (
        <p id={errorId(f)} class="field-error" role="alert">
          {errors[f]}
        </p>
      ),
  };
}
