// Client-side navigation under /ui/: `navigate` pushes a path and tells the app; `Link` is an
// anchor that navigates without reloading (and still works as a link: open in a new tab).
import type { ComponentChildren } from 'preact';

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function Link({
  href,
  children,
  ...rest
}: {
  href: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page' | undefined;
  'aria-label'?: string;
}) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

// The props every page gets: the router's path parameters (decoded) and what to do on a 401.
export interface PageProps {
  params: string[];
  onUnauthorized: () => void;
}
