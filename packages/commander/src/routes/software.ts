import { createHash, randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { catalogue, limits, softwareCreateSchema, softwareSchema } from '@mrm/protocol';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { SoftwareTable } from '../db/schema.js';
import { ApiError, conflict, notFound, unprocessable } from '../errors.js';
import { audit } from '../services/audit.js';
import { knownAdapters } from '../services/software.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';
import { commanderUrl } from './sentries.js';

const catalogueItem = z.object({
  name: z.string(),
  displayName: z.string(),
  devices: z.array(z.string()),
  versions: z.array(z.string()),
  executable: z.string(),
  defaultScript: z.string(),
  apiBindsLoopback: z.boolean(),
  archiveUrls: z.record(z.string(), z.string()),
});

function softwareView(r: SoftwareTable) {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    platform: r.platform,
    url: r.url,
    sha256: r.sha256,
    executable: r.executable,
    adapter: r.adapter,
    createdAt: r.created_at,
  };
}

/** Mining programs: the built-in catalogue, operators' custom programs and sha256 pins, and archives the commander hosts. */
export function softwareRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  const archiveDir = join(ctx.config.dataDir, 'archives');

  app.get(
    '/api/v1/software',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['software'],
        summary: 'Mining programs a playbook can run: the catalogue with default scripts, and custom entries',
        response: { 200: z.object({ items: z.array(catalogueItem), custom: z.array(softwareSchema) }) },
      },
    },
    async () => ({
      items: catalogue.map((e) => ({
        ...e,
        devices: [...e.devices],
        versions: [...e.versions],
        archiveUrls: { ...e.archiveUrls },
      })),
      custom: (
        await db
          .selectFrom('software')
          .selectAll()
          .orderBy('name')
          .orderBy('version')
          .orderBy('platform')
          .execute()
      ).map(softwareView),
    }),
  );

  app.post(
    '/api/v1/software',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['software'],
        summary: 'Add custom mining software, or pin the sha256 of a catalogue version, for one platform',
        body: softwareCreateSchema,
        response: { 201: softwareSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const b = request.body;
      if (!knownAdapters().includes(b.adapter)) {
        throw unprocessable(
          `adapter: unknown stats adapter "${b.adapter}" (known: ${knownAdapters().join(', ')})`,
        );
      }
      const exists = await db
        .selectFrom('software')
        .select('id')
        .where('name', '=', b.name)
        .where('version', '=', b.version)
        .where('platform', '=', b.platform)
        .executeTakeFirst();
      if (exists)
        throw conflict(
          `${b.name} ${b.version} for ${b.platform} already exists; delete it first to replace it`,
        );
      const now = ctx.now();
      const row: SoftwareTable = { id: randomUUID(), ...b, created_at: now };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('software').values(row).execute();
        // What a rig downloads and runs: as sensitive as a wallet change.
        await audit(
          trx,
          p,
          {
            action: 'software.added',
            entityType: 'software',
            entityId: row.id,
            after: softwareView(row),
            sensitive: true,
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged();
      return reply.status(201).send(softwareView(row));
    },
  );

  app.delete(
    '/api/v1/software/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['software'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const row = await db
        .selectFrom('software')
        .selectAll()
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw notFound('software');
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('software').where('id', '=', row.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'software.removed',
            entityType: 'software',
            entityId: row.id,
            before: softwareView(row),
            sensitive: true,
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged();
      return { ok: true as const };
    },
  );

  // Archives: the raw body is streamed to disk, hashed on the way, and capped at maxArchiveBytes.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.post(
      '/api/v1/software/archives',
      {
        config: { access: 'operator' },
        bodyLimit: limits.maxArchiveBytes,
        schema: {
          tags: ['software'],
          summary:
            'Host a mining-software archive on the commander (body: the archive, application/octet-stream)',
          response: { 201: z.object({ sha256: z.string(), size: z.number(), url: z.string() }) },
        },
      },
      async (request, reply) => {
        const p = requireUser(request);
        if (!request.headers['content-type']?.startsWith('application/octet-stream')) {
          throw new ApiError(415, 'bad_request', 'send the archive as application/octet-stream');
        }
        mkdirSync(archiveDir, { recursive: true });
        const tmp = join(archiveDir, `.upload-${randomUUID()}`);
        const hash = createHash('sha256');
        let size = 0;
        const meter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            size += chunk.length;
            if (size > limits.maxArchiveBytes)
              return cb(
                new ApiError(
                  413,
                  'payload_too_large',
                  `archives may be at most ${limits.maxArchiveBytes} bytes`,
                ),
              );
            hash.update(chunk);
            cb(null, chunk);
          },
        });
        try {
          await pipeline(request.body as NodeJS.ReadableStream, meter, createWriteStream(tmp));
        } catch (err) {
          rmSync(tmp, { force: true });
          if (err instanceof ApiError) throw err;
          throw new ApiError(400, 'bad_request', 'the upload was interrupted');
        }
        if (size === 0) {
          rmSync(tmp, { force: true });
          throw new ApiError(400, 'bad_request', 'the archive is empty');
        }
        const sha256 = hash.digest('hex');
        renameSync(tmp, join(archiveDir, sha256));
        await audit(
          db,
          p,
          { action: 'software.archive_uploaded', entityType: 'archive', entityId: sha256, after: { size } },
          ctx.now(),
        );
        return reply
          .status(201)
          .send({ sha256, size, url: `${commanderUrl(ctx, request)}/api/sentry/v1/archives/${sha256}` });
      },
    );
  });

  app.get(
    '/api/sentry/v1/archives/:sha256',
    {
      config: { access: 'sentry' },
      schema: {
        tags: ['sentry protocol'],
        summary: 'Download an archive hosted on the commander',
        params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase sha256') }),
      },
    },
    async (request, reply) => {
      const file = join(archiveDir, request.params.sha256);
      if (!existsSync(file)) throw notFound('archive');
      reply.header('content-type', 'application/octet-stream').header('content-length', statSync(file).size);
      return reply.send(createReadStream(file));
    },
  );
}
