/**
 * The solar controller benchmarks (part of `npm run bench`):
 *
 * - One controller tick for 10,000 devices (target at most 50 ms): the pure `tick` with every
 *   unit's inputs prepared, median of 200 ticks after warm-up, on a noisy surplus so that enable
 *   timers start and stop on many units each tick.
 * - A full-day replay at 10 s resolution (8,640 ticks) for 1,000 devices (target at most 5 s):
 *   the simulated site, the controller and the bookkeeping, on a day with passing clouds.
 *
 * Run alone: `node --conditions=source --import tsx bench/solar.ts`.
 */
import { fileURLToPath } from 'node:url';
import {
  type ControllerState,
  defaultSolarSettings,
  initialState,
  tick,
  type UnitInput,
} from '../packages/commander/src/solar/controller.js';
import { replay } from '../packages/commander/src/solar/replay.js';
import { syntheticDay } from '../packages/commander/src/solar/synthetic.js';

export const solarTargets = { tickMs: 50, replaySeconds: 5 } as const;

export interface SolarFigures {
  tickDevices: number;
  tickMedianMs: number;
  tickP95Ms: number;
  replayDevices: number;
  replayTicks: number;
  replaySeconds: number;
  replaySwitches: number;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export function solarTickBench(n = 10_000): { median: number; p95: number } {
  const settings = { ...defaultSolarSettings, socFloor: null, enableDelayS: 60, settleS: 30 };
  const units: UnitInput[] = Array.from({ length: n }, (_, i) => ({
    id: `unit-${String(i).padStart(6, '0')}`,
    name: `S19-${i}`,
    priority: i % 100,
    levels: i % 5 === 0 ? [20, 1800, 3250] : [10, 100 + (i % 13) * 250],
    measuredW: 0,
    online: i % 97 !== 0,
    actualOn: false,
    forced: null,
  }));
  let state: ControllerState = initialState();
  let now = Date.UTC(2025, 5, 21, 10);
  const times: number[] = [];
  for (let k = 0; k < 260; k++) {
    now += 10_000;
    // A surplus that wanders: some units are started, timers start and stop.
    const gridW = -200_000 * (1 + Math.sin(k / 7)) + 50_000;
    for (let i = 0; i < n; i++) {
      const st = state.list[i];
      const u = units[i]!;
      u.actualOn = st ? st.level > 0 : false;
      u.measuredW = st ? u.levels![st.level]! : 0;
    }
    const t0 = performance.now();
    state = tick(
      state,
      {
        settings,
        reading: { at: now, pvW: null, gridW, batteryW: null, batterySoc: null, loadW: null },
        sourceError: null,
        units,
      },
      now,
    ).state;
    const dt = performance.now() - t0;
    if (k >= 60) times.push(dt);
  }
  return { median: pct(times, 0.5), p95: pct(times, 0.95) };
}

export function solarReplayBench(n = 1000): { seconds: number; ticks: number; switches: number } {
  const units = Array.from({ length: n }, (_, i) => ({
    id: `unit-${String(i).padStart(5, '0')}`,
    name: `unit-${i}`,
    priority: i % 50,
    powerW: 100 + (i % 7) * 500,
    standbyW: 5,
  }));
  const samples = syntheticDay({ peakW: 2_000_000, houseW: 10_000, clouds: true, cloudEveryMin: 8, seed: 3 });
  const t0 = performance.now();
  const r = replay({
    settings: { ...defaultSolarSettings, socFloor: null },
    units,
    samples,
    stepS: 10,
    maxDecisions: 0,
  });
  return { seconds: (performance.now() - t0) / 1000, ticks: r.ticks, switches: r.totals.switches };
}

export async function solarBench(): Promise<SolarFigures> {
  const t = solarTickBench();
  const r = solarReplayBench();
  return {
    tickDevices: 10_000,
    tickMedianMs: t.median,
    tickP95Ms: t.p95,
    replayDevices: 1000,
    replayTicks: r.ticks,
    replaySeconds: r.seconds,
    replaySwitches: r.switches,
  };
}

export function solarMarkdown(f: SolarFigures): string {
  return `
## Solar controller

The pure controller (\`packages/commander/src/solar/controller.ts\`), in process. One tick: ${f.tickDevices.toLocaleString('en-US')}
devices (a fifth with a reduced level, 1 % offline) under a wandering surplus, median and p95 of 200
ticks after 60 warm-up ticks. Replay: a synthetic day with passing clouds at 10 s resolution
(${f.replayTicks.toLocaleString('en-US')} ticks) for ${f.replayDevices.toLocaleString('en-US')} devices, with the simulated site and the bookkeeping
(${f.replaySwitches.toLocaleString('en-US')} switches in the day).

| figure | measured | target |
|---|---|---|
| one tick, ${f.tickDevices.toLocaleString('en-US')} devices, median | ${f.tickMedianMs.toFixed(1)} ms | at most ${solarTargets.tickMs} ms |
| one tick, ${f.tickDevices.toLocaleString('en-US')} devices, p95 | ${f.tickP95Ms.toFixed(1)} ms | |
| full-day replay, ${f.replayDevices.toLocaleString('en-US')} devices | ${f.replaySeconds.toFixed(2)} s | at most ${solarTargets.replaySeconds} s |
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = await solarBench();
  process.stdout.write(solarMarkdown(f));
}
