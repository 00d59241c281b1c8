/**
 * Synthetic days for replay, tests and benchmarks: a clear-sky PV curve (sunrise 06:00, sunset
 * 20:00), optional passing clouds (deterministic from a seed) and a house load with an evening bump.
 */
import type { ReplaySample } from './replay.js';

export interface DayOptions {
  day?: number;
  peakW?: number;
  houseW?: number;
  eveningW?: number;
  /** Passing clouds: one every `cloudEveryMin` (± half) lasting 1–6 min, dimming 50–85 %. */
  clouds?: boolean;
  cloudEveryMin?: number;
  seed?: number;
  stepS?: number;
}

/** Mulberry32: a small deterministic PRNG. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticDay(o: DayOptions = {}): ReplaySample[] {
  const day = o.day ?? Date.UTC(2025, 5, 21);
  const peak = o.peakW ?? 8000;
  const house = o.houseW ?? 400;
  const evening = o.eveningW ?? 1200;
  const step = (o.stepS ?? 60) * 1000;
  const rnd = prng(o.seed ?? 1);
  const clouds: [number, number, number][] = [];
  if (o.clouds) {
    const every = (o.cloudEveryMin ?? 10) * 60;
    for (let t = 6 * 3600 + rnd() * every; t < 20 * 3600; t += every * (0.5 + rnd())) {
      clouds.push([t, 60 + rnd() * 300, 0.5 + rnd() * 0.35]);
    }
  }
  const out: ReplaySample[] = [];
  for (let ms = 0; ms <= 86_400_000; ms += step) {
    const t = ms / 1000;
    let pv = 0;
    if (t > 6 * 3600 && t < 20 * 3600) {
      pv = peak * Math.sin((Math.PI * (t - 6 * 3600)) / (14 * 3600)) ** 1.5;
      for (const [start, dur, depth] of clouds) {
        if (t >= start && t < start + dur) {
          const edge = Math.min(t - start, start + dur - t, 30) / 30;
          pv *= 1 - depth * edge;
          break;
        }
      }
    }
    const h = t / 3600;
    const load = house + (h >= 18 && h < 21 ? evening : 0);
    out.push({ at: day + ms, pvW: Math.round(pv), houseW: load });
  }
  return out;
}
