import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { get, type History, type HistoryMetric } from './api';
import { hashrate, temp, watts } from './format';
import { ErrorText } from './ui';

export const ranges = [
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 6 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
  { label: '7 d', ms: 7 * 24 * 3_600_000 },
  { label: '30 d', ms: 30 * 24 * 3_600_000 },
] as const;

const metricLabel: Record<HistoryMetric, string> = {
  hashrate: 'Hashrate',
  temperature: 'Temperature',
  power: 'Power',
  fan: 'Fan',
};

function formatValue(metric: HistoryMetric, v: number | null): string {
  if (v === null) return '–';
  if (metric === 'hashrate') return hashrate(v);
  if (metric === 'power') return watts(v);
  if (metric === 'temperature') return temp(v);
  return `${Math.round(v)}`;
}

/** One metric's history as a uPlot line chart, refetched when live events name this device. */
export function HistoryChart({
  deviceId,
  metric,
  rangeMs,
}: {
  deviceId: string;
  metric: HistoryMetric;
  rangeMs: number;
}) {
  const q = useQuery({
    queryKey: ['history', deviceId, metric, rangeMs],
    queryFn: () => {
      const to = Date.now();
      return get<History>(
        `/api/v1/devices/${deviceId}/history?metric=${metric}&from=${to - rangeMs}&to=${to}`,
      );
    },
    staleTime: 5_000,
  });
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(600);
  const data = useMemo<uPlot.AlignedData>(() => {
    const pts = q.data?.points ?? [];
    return [pts.map((p) => p[0] / 1000), pts.map((p) => p[1])];
  }, [q.data]);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const ro = new ResizeObserver((entries) =>
      setWidth(Math.max(240, Math.floor(entries[0]!.contentRect.width))),
    );
    ro.observe(node);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    if (!plot.current) {
      const styles = getComputedStyle(document.documentElement);
      const fg = styles.getPropertyValue('--muted').trim() || '#888';
      const accent = styles.getPropertyValue('--accent').trim() || '#e8a317';
      plot.current = new uPlot(
        {
          width,
          height: 200,
          legend: { show: true },
          cursor: { drag: { x: true, y: false } },
          scales: { x: { time: true } },
          axes: [
            { stroke: fg, grid: { stroke: 'rgba(128,128,128,0.15)' } },
            {
              stroke: fg,
              size: 80,
              grid: { stroke: 'rgba(128,128,128,0.15)' },
              values: (_u, vals) => vals.map((v) => formatValue(metric, v)),
            },
          ],
          series: [
            {},
            {
              label: metricLabel[metric],
              stroke: accent,
              width: 2,
              fill: `${accent}22`,
              spanGaps: false,
              value: (_u, v) => formatValue(metric, v),
            },
          ],
        },
        data,
        node,
      );
    } else {
      plot.current.setData(data);
    }
  }, [data, metric, width]);

  useEffect(() => {
    plot.current?.setSize({ width, height: 200 });
  }, [width]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return (
    <figure className="chart" data-testid={`chart-${metric}`} data-points={q.data?.points.length ?? 0}>
      <figcaption>
        {metricLabel[metric]}
        {q.data ? (
          <span className="muted">
            {' '}
            ({q.data.resolution === 'raw' ? 'raw samples' : `${q.data.resolution} averages`})
          </span>
        ) : null}
      </figcaption>
      <ErrorText error={q.error} prefix="Could not load history" />
      {q.data && q.data.points.length === 0 ? <p className="muted">No samples in this range yet.</p> : null}
      <div ref={el} />
    </figure>
  );
}

export function RangePicker({ value, onChange }: { value: number; onChange: (ms: number) => void }) {
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">History range</legend>
      {ranges.map((r) => (
        <button
          key={r.label}
          type="button"
          aria-pressed={value === r.ms}
          className={value === r.ms ? 'active' : ''}
          onClick={() => onChange(r.ms)}
        >
          {r.label}
        </button>
      ))}
    </fieldset>
  );
}
