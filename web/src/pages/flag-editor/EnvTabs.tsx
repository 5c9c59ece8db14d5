// The flag editor's environment tabs (WAI-ARIA tabs pattern); the page renders the panel.
import { useRef } from 'preact/hooks';

// Tabs (WAI-ARIA tabs pattern): arrow keys, Home and End move between environments.
export function EnvTabs({
  envs,
  current,
  onSelect,
}: {
  envs: string[];
  current: string;
  onSelect: (env: string) => void;
}) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKeyDown = (e: KeyboardEvent) => {
    const i = envs.indexOf(current);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % envs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + envs.length) % envs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = envs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onSelect(envs[next]);
    refs.current[envs[next]]?.focus();
  };
  return (
    <div role="tablist" aria-label="Environments" class="fe-tabs" onKeyDown={onKeyDown}>
      {envs.map((e) => (
        <button
          key={e}
          ref={(el) => {
            refs.current[e] = el;
          }}
          type="button"
          role="tab"
          id={`fe-tab-${e}`}
          aria-selected={e === current}
          aria-controls={e === current ? `fe-panel-${e}` : undefined}
          tabIndex={e === current ? 0 : -1}
          class="fe-tab"
          onClick={() => onSelect(e)}
        >
          {e}
        </button>
      ))}
    </div>
  );
}
