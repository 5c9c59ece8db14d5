// The button under a paged list (hooks.ts, usePagedList) that appends the next page; present
// while the API has more pages, disabled while a page loads. Its text is `children`.
import type { ComponentChildren } from 'preact';
import type { PagedList } from '../hooks';

export function LoadMore({
  list,
  children,
}: {
  list: Pick<PagedList<unknown>, 'more' | 'loading' | 'loadMore'>;
  children: ComponentChildren;
}) {
  if (!list.more) return null;
  return (
    <button type="button" class="more" disabled={list.loading} onClick={list.loadMore}>
      {children}
    </button>
  );
}
