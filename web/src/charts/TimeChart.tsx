// A time-series chart drawn by uPlot: x is Unix seconds; each series has its own values (null
// for a gap), colour and optional dash and scale ('y' on the left, 'y2' on the right); a band
// fills between two series (e.g. a forecast's quantiles). The chart follows its container's
// width, and is an image to assistive technology with `label` as its name, followed by
// uPlot's legend (the values under the cursor).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
  scale?: 'y' | 'y2';
  width?: number;
  stepped?: boolean;  // drawn as steps (replica counts)
  points?: boolean;  // markers at each value
}

export interface ChartBand {
  upper: number;  // index into `series`
  lower: number;
  fill: string;
}

export interface TimeChartProps {
  label: string;
  x: number[];
  series: ChartSeries[];
  bands?: ChartBand[];
  height?: number;
  yLabel?: string;
  y2Label?: string;
  xIsDate?: boolean;  // false: x is a plain number (e.g. a day index); true by default
}

export function TimeChart({
  label,
  x,
  series,
  bands = [],
  height = 280,
  yLabel,
  y2Label,
  xIsDate = true,
}: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // What shapes the chart (series, scales, bands, size), apart from the values: the chart is
  // built again only when this changes; new values alone are handed to the same chart.
  const shape = JSON.stringify({
    series: series.map(({ values: _values, ...rest }) => rest),
    bands,
    height,
    yLabel,
    y2Label,
    xIsDate,
  });
  const data = [x, ...series.map((s) => s.values)] as uPlot.AlignedData;
  const latest = useRef(data);
  latest.current = data;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const usesY2 = series.some((s) => s.scale === 'y2');
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height,
      scales: { x: { time: xIsDate } },
      series: [
        {},
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: s.width ?? 2,
            dash: s.dash,
            scale: s.scale ?? 'y',
            spanGaps: false,
            paths: s.stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined,
            points: { show: s.points ?? false },
          }),
        ),
      ],
      bands: bands.map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
      axes: [
        {},
        { scale: 'y', label: yLabel },
        ...(usesY2 ? [{ scale: 'y2', side: 1, label: y2Label, grid: { show: false } }] : []),
      ],
      legend: { live: true },
    };
    const chart = new uPlot(opts, latest.current, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(320, el.clientWidth), height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` stands for the options
  }, [shape]);
  // New values (a new x array or a series' new values array): redrawn in the same chart.
  useEffect(() => {
    plot.current?.setData(latest.current);
  }, [x, ...series.map((s) => s.values)]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={label} />
      <figcaption class="visually-hidden">{label}</figcaption>
    </figure>
  );
}
