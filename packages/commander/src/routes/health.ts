import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ping } from '../db/migrations.js';
import type { App } from './app-type.js';

export function healthRoutes(app: App, ctx: AppContext, state: { shuttingDown: boolean }) {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        response: {
          200: z.object({ status: z.literal('ready'), database: z.string() }),
          503: z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        },
      },
    },
    async (_req, reply) => {
      if (state.shuttingDown) {
        return reply.status(503).send({ error: { code: 'unavailable', message: 'shutting down' } });
      }
      try {
        await ping(ctx.store.db);
      } catch {
        return reply.status(503).send({ error: { code: 'unavailable', message: 'database unreachable' } });
      }
      return { status: 'ready' as const, database: ctx.store.dialect };
    },
  );
}
