import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { askSentry } from '../services/push-hub.js';
import type { App } from './app-type.js';
import { idParams } from './params.js';

/** Where `npm run build` puts the dashboard (packages/web/dist); MRM_WEB_DIR overrides it. */
export function webDistDir(): string {
  return process.env.MRM_WEB_DIR ?? fileURLToPath(new URL('../../../web/dist/', import.meta.url));
}

/** Named limits of the dashboard routes. */
export const webLimits = {
  /** How long the commander waits for an ASIC sentry's scan answer. */
  scanTimeoutMs: 120_000,
  /** Address ranges in one scan request. */
  maxScanRanges: 16,
} as const;

/**
 * The dashboard's Content-Security-Policy: scripts and data only from the commander itself, no
 * plugins, no framing. Styles allow inline attributes (the chart library positions with them).
 */
export const dashboardCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

function loadAsset(path: string): Asset {
  const body = readFileSync(path);
  const type = types[extname(path)] ?? 'application/octet-stream';
  const compressible = /text|javascript|json|svg/.test(type) && body.length > 1024;
  const st = statSync(path);
  return {
    type,
    body,
    gzip: compressible ? gzipSync(body, { level: 9 }) : null,
    etag: `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`,
  };
}

/** The built dashboard, read into memory once it exists (a rebuild needs a restart). */
class Dist {
  private index: Asset | null = null;
  private readonly assets = new Map<string, Asset>();
  constructor(private readonly dir: string) {}

  private load(): boolean {
    if (this.index) return true;
    const indexPath = join(this.dir, 'index.html');
    if (!existsSync(indexPath)) return false;
    const assetDir = join(this.dir, 'assets');
    if (existsSync(assetDir)) {
      for (const name of readdirSync(assetDir)) {
        if (/^[A-Za-z0-9._-]+$/.test(name)) this.assets.set(name, loadAsset(join(assetDir, name)));
      }
    }
    this.index = loadAsset(indexPath);
    return true;
  }

  getIndex(): Asset | null {
    return this.load() ? this.index : null;
  }

  getAsset(name: string): Asset | null {
    return this.load() ? (this.assets.get(name) ?? null) : null;
  }
}

const notBuiltPage =
  '<!doctype html><meta charset="utf-8"><title>Mining Rig Monitor</title><h1>Mining Rig Monitor commander</h1>' +
  '<p>The API is running, but the dashboard is not built: run <code>npm run build</code> (or <code>npm start</code>). ' +
  'The API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>';

const scanRequestSchema = z
  .object({
    ranges: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .regex(/^[0-9a-fA-F.:/-]+$/, 'must be an address, a CIDR range (10.0.0.0/24) or a-b range'),
      )
      .min(1)
      .max(webLimits.maxScanRanges),
  })
  .strict();

const scanHitSchema = z.object({
  ip: z.string(),
  type: z.string(),
  make: z.string().nullable(),
  model: z.string().nullable(),
  firmware: z.string().nullable(),
  hashrate: z.number().nullable(),
  /** This sentry already watches an ASIC at this address. */
  added: z.boolean(),
});

/** The dashboard (single-page application) and the few routes only the dashboard needs. */
export function webRoutes(app: App, ctx: AppContext) {
  const dist = new Dist(webDistDir());

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const index = dist.getIndex();
    reply
      .header('content-security-policy', dashboardCsp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8');
    if (!index) return reply.send(notBuiltPage);
    return sendAsset(request.headers, reply, index);
  });

  app.get(
    '/assets/:file',
    {
      config: { access: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: "The dashboard's static files (scripts, styles), named by content hash",
        params: z.object({ file: z.string().max(200) }),
      },
    },
    async (request, reply) => {
      const asset = dist.getAsset(request.params.file);
      if (!asset) throw notFound('dashboard file');
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff');
      return sendAsset(request.headers, reply, asset);
    },
  );

  app.post(
    '/api/v1/sentries/:id/scan',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary:
          'Ask a connected ASIC sentry to scan address ranges; answers what it found (add them with POST /api/v1/sentries/{id}/asics)',
        params: idParams,
        body: scanRequestSchema,
        response: { 200: z.object({ hits: z.array(scanHitSchema) }) },
      },
    },
    async (request) => {
      requireUser(request);
      const sentry = await ctx.store.db
        .selectFrom('sentries')
        .select(['id', 'kind', 'revoked_at'])
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!sentry) throw notFound('sentry');
      if (sentry.kind !== 'asic') throw new ApiError(422, 'unprocessable', 'only an ASIC sentry can scan');
      if (sentry.revoked_at !== null) throw new ApiError(409, 'conflict', 'sentry is revoked');
      const answer = await askSentry(
        ctx,
        sentry.id,
        'scan-asics',
        { ranges: request.body.ranges },
        webLimits.scanTimeoutMs,
        'the sentry is not connected to this commander right now; start it, or try again when it is online',
      );
      if (!answer.ok) throw new ApiError(422, 'unprocessable', `the sentry could not scan: ${answer.output}`);
      let raw: unknown;
      try {
        raw = JSON.parse(answer.output);
      } catch {
        throw new ApiError(
          502,
          'bad_sentry_answer',
          'the sentry answered the scan with something other than JSON',
        );
      }
      const list = Array.isArray(raw) ? raw : [];
      const watched = await ctx.store.db
        .selectFrom('devices')
        .select('asic_ip')
        .where('sentry_id', '=', sentry.id)
        .where('asic_ip', 'is not', null)
        .execute();
      const known = new Set(watched.map((w) => w.asic_ip));
      const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
      const hits = list
        .filter((h): h is Record<string, unknown> => !!h && typeof h === 'object' && typeof h.ip === 'string')
        .map((h) => ({
          ip: String(h.ip).slice(0, 64),
          type: str(h.type) ?? 'auto',
          make: str(h.make),
          model: str(h.model),
          firmware: str(h.firmware),
          hashrate: typeof h.hashrate === 'number' && Number.isFinite(h.hashrate) ? h.hashrate : null,
          added: known.has(String(h.ip)),
        }));
      return { hits };
    },
  );
}

function sendAsset(
  headers: Record<string, string | string[] | undefined>,
  reply: import('fastify').FastifyReply,
  asset: Asset,
) {
  reply.header('etag', asset.etag).header('vary', 'accept-encoding').type(asset.type);
  if (headers['if-none-match'] === asset.etag) return reply.status(304).send();
  if (asset.gzip && /\bgzip\b/.test(String(headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}
