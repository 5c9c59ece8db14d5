// A forest plot in SVG: one row per comparison (an experiment's treatment arm on one metric),
// its point estimate as a dot and its interval as a whisker, on one shared axis with the zero
// line (no effect). Rows are grouped under their group's name (the metric). The plot is an image
// to assistive technology, named by `label`; the page shows the same numbers in a table.
// An interval end that is null (unbounded) is drawn as an arrow to the plot's edge.

export interface ForestRow {
  group: string;  // e.g. the metric
  label: string;  // e.g. the treatment arm
  estimate: number | null;
  low: number | null;
  high: number | null;
  tone: 'win' | 'loss' | 'inconclusive' | 'none';
}

export interface ForestPlotProps {
  label: string;
  rows: ForestRow[];
  format: (x: number) => string;  // the axis' and the values' text
  axisLabel?: string;
}

const WIDTH = 760;
const LEFT = 190;  // the rows' labels
const RIGHT = 200;  // the values' text
const ROW = 26;
const TOP = 8;
const AXIS = 40;

// About `count` round tick values covering [lo, hi].
export function ticks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return out;
}

const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);

export function ForestPlot({ label, rows, format, axisLabel }: ForestPlotProps) {
  // The domain: every finite value and 0, padded by 8%.
  const values = rows.flatMap((r) => [r.estimate, r.low, r.high]).filter(finite);
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo === 0) {
    lo = -1;
    hi = 1;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (v: number) => LEFT + ((v - lo) / (hi - lo)) * plotWidth;
  const clampX = (v: number | null, side: 'low' | 'high') =>
    finite(v) ? x(v) : side === 'low' ? LEFT : LEFT + plotWidth;

  // Lines: a group header line whenever the group changes, then its rows.
  // Every other row of a group is striped.
  type Line = { kind: 'group'; text: string } | { kind: 'row'; row: ForestRow; striped: boolean };
  const lines: Line[] = [];
  let last: string | null = null;
  let n = 0;
  for (const row of rows) {
    if (row.group !== last) {
      lines.push({ kind: 'group', text: row.group });
      n = 0;
    }
    last = row.group;
    lines.push({ kind: 'row', row, striped: n++ % 2 === 1 });
  }
  const height = TOP + lines.length * ROW + AXIS;
  const bottom = TOP + lines.length * ROW;
  const tickValues = ticks(lo, hi);

  return (
    <svg
      class="forest"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
    >
      <title>{label}</title>
      {lines.map(
        (line, i) =>
          line.kind === 'row' &&
          line.striped && (
            <rect key={`s-${i}`} class="forest-stripe" x={0} y={TOP + i * ROW} width={WIDTH} height={ROW} />
          ),
      )}
      {tickValues.map((t) => (
        <g key={`tick-${t}`} class="forest-tick">
          <line x1={x(t)} x2={x(t)} y1={TOP} y2={bottom} />
          <text x={x(t)} y={bottom + 16} text-anchor="middle">
            {format(t)}
          </text>
        </g>
      ))}
      <line class="forest-zero" x1={x(0)} x2={x(0)} y1={TOP - 4} y2={bottom + 4} />
      {axisLabel && (
        <text class="forest-axis-label" x={LEFT + plotWidth / 2} y={bottom + 34} text-anchor="middle">
          {axisLabel}
        </text>
      )}
      {lines.map((line, i) => {
        const y = TOP + i * ROW + ROW / 2;
        if (line.kind === 'group') {
          return (
            <text key={`g-${i}`} class="forest-group" x={8} y={y + 5}>
              {line.text}
            </text>
          );
        }
        const { row } = line;
        const has = finite(row.estimate);
        const x1 = clampX(row.low, 'low');
        const x2 = clampX(row.high, 'high');
        const interval =
          row.low === null && row.high === null
            ? '—'
            : `[${finite(row.low) ? format(row.low) : '−∞'}, ${finite(row.high) ? format(row.high) : '∞'}]`;
        return (
          <g key={`r-${i}`} class={`forest-row forest-${row.tone}`}>
            <text class="forest-label" x={24} y={y + 5}>
              {row.label}
            </text>
            {has && (row.low !== null || row.high !== null) && (
              <>
                <line class="forest-whisker" x1={x1} x2={x2} y1={y} y2={y} />
                {finite(row.low) ? (
                  <line class="forest-whisker" x1={x1} x2={x1} y1={y - 6} y2={y + 6} />
                ) : (
                  <path class="forest-arrow" d={`M${x1 + 7},${y - 5} L${x1},${y} L${x1 + 7},${y + 5}`} />
                )}
                {finite(row.high) ? (
                  <line class="forest-whisker" x1={x2} x2={x2} y1={y - 6} y2={y + 6} />
                ) : (
                  <path class="forest-arrow" d={`M${x2 - 7},${y - 5} L${x2},${y} L${x2 - 7},${y + 5}`} />
                )}
              </>
            )}
            {has && <circle class="forest-point" cx={x(row.estimate!)} cy={y} r={5} />}
            <text class="forest-value" x={WIDTH - RIGHT + 12} y={y + 5}>
              {has ? `${format(row.estimate!)} ${interval}` : 'no comparison'}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
