// A list that renders only the rows inside its scroll viewport (plus a few above and below),
// so thousands of rows cost what a screenful does. Rows have one fixed height. Positions are
// set through the CSSOM (style objects), which the Content-Security-Policy allows.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

const OVERSCAN = 6;

export function VirtualList<T>({
  items,
  rowHeight,
  label,
  renderRow,
  onNearEnd,
}: {
  items: T[];
  rowHeight: number;
  label: string;
  renderRow: (item: T, index: number) => ComponentChildren;
  onNearEnd?: () => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (onNearEnd && items.length > 0 && last >= items.length - OVERSCAN) onNearEnd();
  }, [last, items.length]);

  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <li
        key={i}
        class="vrow"
        aria-setsize={items.length}
        aria-posinset={i + 1}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}
      >
        {renderRow(items[i], i)}
      </li>,
    );
  }
  return (
    <div
      class="viewport"
      ref={viewport}
      tabIndex={0}
      role="region"
      aria-label={label}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <ul class="vlist" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </ul>
    </div>
  );
}
