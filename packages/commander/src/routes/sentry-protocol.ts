import {
  helloRequestSchema,
  helloResponseSchema,
  limits,
  PROTOCOL_VERSION,
  pushClientMessageSchema,
  reportRequestSchema,
  reportResponseSchema,
  sentryPaths,
  signedDocumentSchema,
} from '@mrm/protocol';
import { z } from 'zod';
import { requireSentry } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { currentDesiredState } from '../services/desired-state.js';
import { ingestReport } from '../services/ingest.js';
import type { App } from './app-type.js';

const kindName = {
  rig: 'a rig (CPU/GPU) sentry: run mrm-rig-sentry',
  asic: 'an ASIC sentry: run mrm-asic-sentry',
} as const;

/** The versioned protocol sentries speak; the only surface a sentry token can reach. */
export function sentryProtocolRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  app.post(
    sentryPaths.hello,
    {
      config: { access: 'sentry' },
      schema: {
        tags: ['sentry protocol'],
        summary: 'A sentry checks the commander URL and its token, and learns the key to pin',
        body: helloRequestSchema,
        response: { 200: helloResponseSchema },
      },
    },
    async (request) => {
      const sentry = requireSentry(request);
      if (request.body.kind !== sentry.kind) {
        throw new ApiError(
          403,
          'wrong_sentry_kind',
          `this token belongs to ${kindName[sentry.kind as 'rig' | 'asic']}, not a ${request.body.kind} sentry`,
        );
      }
      const now = ctx.now();
      await db
        .updateTable('sentries')
        .set({
          last_seen_at: now,
          version: request.body.version,
          hostname: request.body.hostname ?? sentry.hostname,
        })
        .where('id', '=', sentry.id)
        .execute();
      return {
        protocolVersion: PROTOCOL_VERSION,
        sentry: { id: sentry.id, name: sentry.name, kind: sentry.kind as 'rig' | 'asic' },
        commanderPublicKey: ctx.signingKey.publicKeyPem,
        commanderKeyFingerprint: ctx.signingKey.fingerprint,
        serverTime: now,
        lastSeq: sentry.last_seq,
      };
    },
  );

  app.post(
    sentryPaths.report,
    {
      config: { access: 'sentry' },
      bodyLimit: limits.maxReportBodyBytes,
      schema: {
        tags: ['sentry protocol'],
        summary: 'Batched telemetry; each batch sequence number is stored once',
        body: reportRequestSchema,
        response: { 200: reportResponseSchema },
      },
    },
    async (request) => {
      const sentry = requireSentry(request);
      const result = await ingestReport(db, sentry, request.body.batches, ctx.now());
      let oldest = Number.POSITIVE_INFINITY;
      for (const b of request.body.batches) for (const d of b.devices) if (d.at < oldest) oldest = d.at;
      if (result.stored && Number.isFinite(oldest)) ctx.telemetry.noteIngested(oldest);
      // The dashboard's live updates hear of it once, whatever the number of browsers.
      if (result.stored) ctx.events.reportStored(sentry.id);
      return result;
    },
  );

  app.get(
    sentryPaths.desiredState,
    {
      config: { access: 'sentry' },
      schema: {
        tags: ['sentry protocol'],
        summary: 'The signed desired state; send If-None-Match with the last ETag to get 304 when unchanged',
        response: { 200: signedDocumentSchema, 304: z.null().describe('unchanged') },
      },
    },
    async (request, reply) => {
      const sentry = requireSentry(request);
      const state = await currentDesiredState(ctx, sentry);
      await db.updateTable('sentries').set({ last_seen_at: ctx.now() }).where('id', '=', sentry.id).execute();
      reply.header('etag', state.etag).header('cache-control', 'no-cache');
      const inm = request.headers['if-none-match'];
      if (inm?.split(',').some((t) => t.trim() === state.etag)) return reply.status(304).send(null);
      return state.sign();
    },
  );

  app.get(
    sentryPaths.push,
    {
      websocket: true,
      config: { access: 'sentry' },
      schema: { tags: ['sentry protocol'], summary: 'WebSocket: desired-state-changed notices and commands' },
    },
    async (socket, request) => {
      const sentry = requireSentry(request);
      ctx.push.add(sentry.id, socket);
      socket.on('close', () => ctx.push.remove(sentry.id, socket));
      socket.on('message', (data, isBinary) => {
        void handleClientMessage(ctx, sentry.id, isBinary ? null : data.toString()).catch((err) =>
          request.log.warn({ err, sentryId: sentry.id }, 'bad push message'),
        );
      });
      const state = await currentDesiredState(ctx, sentry);
      ctx.push.send(sentry.id, { type: 'welcome', sentryId: sentry.id, revision: state.revision });
    },
  );
}

async function handleClientMessage(ctx: AppContext, sentryId: string, text: string | null) {
  if (text === null) throw new Error('binary frames are not part of the protocol');
  const parsed = pushClientMessageSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`invalid message: ${parsed.error.issues[0]?.message}`);
  const msg = parsed.data;
  if (msg.type === 'ping') return;
  ctx.push.resolveCommand(msg.id, msg.ok, msg.output);
  await ctx.store.db
    .updateTable('sentry_commands')
    .set({ status: msg.ok ? 'succeeded' : 'failed', output: msg.output ?? null, finished_at: ctx.now() })
    .where('id', '=', msg.id)
    .where('sentry_id', '=', sentryId)
    .execute();
}
