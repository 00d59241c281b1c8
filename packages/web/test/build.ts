import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const webRoot = new URL('..', import.meta.url).pathname;
export const distIndex = join(webRoot, 'dist', 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard with Vite when dist/ is missing or older than the sources. */
export async function ensureWebBuilt(): Promise<void> {
  const sources = Math.max(
    newestSource(join(webRoot, 'src')),
    statSync(join(webRoot, 'index.html')).mtimeMs,
    statSync(join(webRoot, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn' });
}
