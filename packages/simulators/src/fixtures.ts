import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Fixture } from './miners/types.js';

/** fixtures/miners/ sits beside both src/ and dist/, so the same relative URL works built or not. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/miners/', import.meta.url));

const cache = new Map<string, Fixture>();

/** Reads a fixture once; the bytes are kept so MRM_SIM_EXACT=1 serves them unchanged. */
export function loadFixture(file: string): Fixture {
  const hit = cache.get(file);
  if (hit) return hit;
  const bytes = readFileSync(fixturesDir + file);
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(withoutTerminator(text));
  } catch {
    json = undefined; // text answers (cpuminer-opt) and framed captures are not JSON
  }
  const fixture = { file, bytes, text, json };
  cache.set(file, fixture);
  return fixture;
}

/** Captures of cgminer-style APIs may keep the NUL byte that ends the answer on the wire. */
export function withoutTerminator(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\0' || /\s/.test(text[end - 1]!))) end--;
  return text.slice(0, end);
}
