import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DeviceBand } from './energy';
import { watts } from './format';

export interface DayPoint {
  at: number;
  pvW: number | null;
  loadW: number | null;
  gridW: number | null;
}

const palette = ['#3b5bdb', '#c2255c', '#2b8a3e', '#862e9c', '#e8590c', '#0b7285', '#5f3dc4', '#a61e4d'];

/**
 * A day of site power (PV, load, grid; W on the left) with each controlled device's on/off as a
 * step line in its own lane (on the right): what the controller did against what the sun gave.
 */
export function DayChart({
  points,
  bands,
  from,
  to,
  testId = 'day-chart',
}: {
  points: DayPoint[];
  bands: DeviceBand[];
  from: number;
  to: number;
  testId?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(700);
  const lanes = bands.length;

  const data = useMemo<uPlot.AlignedData>(() => {
    const xs = new Set<number>();
    for (const p of points) xs.add(p.at);
    for (const b of bands)
      for (const [s, e] of b.intervals) {
        xs.add(Math.max(from, s));
        xs.add(Math.min(to, e));
      }
    const x = [...xs].sort((a, b) => a - b);
    const byAt = new Map(points.map((p) => [p.at, p]));
    const col = (k: 'pvW' | 'loadW' | 'gridW') => x.map((t) => byAt.get(t)?.[k] ?? null);
    const laneCols = bands.map((b, i) =>
      x.map((t) => {
        const on = b.intervals.some(([s, e]) => t >= s && t < e);
        // Lane i sits at i*1.5 (off) or i*1.5 + 1 (on), stacked from the top down.
        return (lanes - 1 - i) * 1.5 + (on ? 1 : 0);
      }),
    );
    return [x.map((t) => t / 1000), col('pvW'), col('loadW'), col('gridW'), ...laneCols];
  }, [points, bands, from, to, lanes]);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const ro = new ResizeObserver((entries) =>
      setWidth(Math.max(260, Math.floor(entries[0]!.contentRect.width))),
    );
    ro.observe(node);
    return () => ro.disconnect();
  }, []);

  // The series (one lane per device) decide the chart's shape: rebuild when they change; the
  // latest data and size are read through refs and applied by the effects below otherwise.
  const shape = bands.map((b) => `${b.key}\u0000${b.name}`).join('\u0001');
  const latest = useRef({ data, width, bands });
  latest.current = { data, width, bands };
  useEffect(() => {
    const { data, width, bands } = latest.current;
    const node = el.current;
    if (!node) return;
    const styles = getComputedStyle(document.documentElement);
    const fg = styles.getPropertyValue('--muted').trim() || '#888';
    const accent = styles.getPropertyValue('--accent').trim() || '#e8a317';
    const offline = styles.getPropertyValue('--offline').trim() || '#b42318';
    const online = styles.getPropertyValue('--online').trim() || '#177a3c';
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const names = shape ? bands.map((b) => b.name) : [];
    plot.current?.destroy();
    plot.current = new uPlot(
      {
        width,
        height: 260 + Math.min(names.length, 12) * 14,
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        scales: {
          x: { time: true, range: () => [from / 1000, to / 1000] },
          // Power from zero (or the lowest export) up, so a flat day does not look dramatic.
          y: {
            range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1000, (max ?? 0) * 1.1)],
          },
          lanes: { range: () => [-0.25, Math.max(1, names.length * 1.5) * 2.2] },
        },
        axes: [
          { stroke: fg, grid: { stroke: 'rgba(128,128,128,0.15)' } },
          {
            stroke: fg,
            size: 70,
            grid: { stroke: 'rgba(128,128,128,0.15)' },
            values: (_u, vals) => vals.map((v) => watts(v)),
          },
          { scale: 'lanes', show: false },
        ],
        series: [
          {},
          {
            label: 'PV',
            stroke: accent,
            fill: `${accent}33`,
            width: 2,
            spanGaps: true,
            value: (_u, v) => watts(v),
          },
          { label: 'Load', stroke: online, width: 2, spanGaps: true, value: (_u, v) => watts(v) },
          {
            label: 'Grid (+ import)',
            stroke: offline,
            width: 1.5,
            dash: [4, 3],
            spanGaps: true,
            value: (_u, v) => (v === null ? '–' : v > 0 ? `import ${watts(v)}` : `export ${watts(-v)}`),
          },
          ...names.map((name, i) => ({
            label: name,
            scale: 'lanes',
            stroke: palette[i % palette.length],
            // Shaded down to the lane's own baseline: a band while the device runs.
            fill: `${palette[i % palette.length]}40`,
            fillTo: (names.length - 1 - i) * 1.5,
            width: 2,
            ...(stepped ? { paths: stepped } : {}),
            value: (_u: uPlot, v: number | null) =>
              v === null ? '–' : v - (names.length - 1 - i) * 1.5 >= 0.5 ? 'on' : 'off',
          })),
        ],
      },
      data,
      node,
    );
  }, [shape, from, to]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    plot.current?.setSize({ width, height: 260 + Math.min(lanes, 12) * 14 });
  }, [width, lanes]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  const drawn = points.filter((p) => p.pvW !== null || p.loadW !== null || p.gridW !== null).length;
  return (
    <figure className="chart day-chart" data-testid={testId} data-points={drawn} data-lanes={lanes}>
      <figcaption className="visually-hidden">
        PV, load and grid power over the day, with when each controlled device ran
      </figcaption>
      <div ref={el} />
    </figure>
  );
}
