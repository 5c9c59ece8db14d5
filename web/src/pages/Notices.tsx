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
