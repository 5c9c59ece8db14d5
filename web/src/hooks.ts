// What the pages do around their API calls: report a failure (a 401 signs out, any other error
// is shown), mark a load in progress, and page through a list with "Load more".
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Page } from './api';
import { errorText, isUnauthorized } from './pages/Notices';

// A failure handler: the API's 401 calls onUnauthorized, any other error goes to setError.
export function useFail(
  onUnauthorized: () => void,
  setError: (text: string) => void,
): (err: unknown) => void {
  return useCallback(
    (err: unknown) => {
      if (isUnauthorized(err)) return onUnauthorized();
      setError(errorText(err));
    },
    [onUnauthorized, setError],
  );
}

// `loading` while a task that run() started is in progress; a task's failure goes to fail.
export function useLoading(
  fail: (err: unknown) => void,
  initially = false,
): [boolean, (task: () => Promise<void>) => Promise<void>] {
  const [loading, setLoading] = useState(initially);
  const run = async (task: () => Promise<void>) => {
    setLoading(true);
    try {
      await task();
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  };
  return [loading, run];
}

export interface PagedList<T> {
  items: T[];
  // True when the API has more pages (a "Load more" button is due).
  more: boolean;
  loading: boolean;
  // The error to show: the list's failure, or any other the page reports through fail.
  error: string;
  fail: (err: unknown) => void;
  // Loads the first page again (the items are replaced).
  reload: () => Promise<void>;
  // Appends the next page.
  loadMore: () => Promise<void>;
}

// A list read a page at a time: the first page is loaded whenever `deps` change (and on mount),
// further pages appended by loadMore(); a successful load clears the error.
export function usePagedList<T>(
  fetchPage: (cursor?: string) => Promise<Page<T>>,
  deps: unknown[],
  onUnauthorized: () => void,
  { initiallyLoading = false } = {},
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const fail = useFail(onUnauthorized, setError);
  const [loading, run] = useLoading(fail, initiallyLoading);

  const load = (after?: string) =>
    run(async () => {
      const page = await fetchPage(after);
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor ?? null);
      setError('');
    });

  useEffect(() => {
    load();
  }, deps);

  return {
    items,
    more: !!cursor,
    loading,
    error,
    fail,
    reload: () => load(),
    loadMore: () => load(cursor ?? undefined),
  };
}
