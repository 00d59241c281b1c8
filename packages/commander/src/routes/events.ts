import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { eventLimits } from '../services/events.js';
import type { App } from './app-type.js';

/** One browser's stream: changes coalesce here until the throttle lets the next event out. */
interface Client {
  res: ServerResponse;
  pending: Set<string>;
  timer: NodeJS.Timeout | null;
  lastSentAt: number;
  heartbeat: NodeJS.Timeout;
  unsubscribe: () => void;
}

/**
 * GET /api/v1/events: server-sent events for the dashboard. A `devices` event names the devices
 * whose reports were stored ({sentryIds, ids} or {all: true} for a very large change), at most one
 * per second per browser; the page refetches what it shows. A `hello` event opens the stream.
 */
export function eventRoutes(app: App, ctx: AppContext) {
  const clients = new Set<Client>();
  // Device ids per sentry, shared by every browser and kept for one throttle window: a report
  // costs one lookup, not one per connected browser.
  const idsBySentry = new Map<string, { at: number; ids: Promise<string[]> }>();
  const devicesOf = async (sentryIds: string[]): Promise<string[]> => {
    const now = Date.now();
    const lists = sentryIds.map((id) => {
      let hit = idsBySentry.get(id);
      if (!hit || now - hit.at > eventLimits.minIntervalMs) {
        const ids = ctx.store.db
          .selectFrom('devices')
          .select('id')
          .where('sentry_id', '=', id)
          .limit(eventLimits.maxIdsPerEvent + 1)
          .execute()
          .then((rows) => rows.map((r) => r.id));
        ids.catch(() => idsBySentry.delete(id));
        hit = { at: now, ids };
        idsBySentry.set(id, hit);
      }
      return hit.ids;
    });
    return (await Promise.all(lists)).flat();
  };

  async function flush(client: Client) {
    client.timer = null;
    if (!client.pending.size || client.res.destroyed) return;
    const sentryIds = [...client.pending];
    client.pending.clear();
    client.lastSentAt = Date.now();
    let payload: { sentryIds: string[]; ids?: string[]; all?: true };
    try {
      const ids = await devicesOf(sentryIds);
      payload = ids.length > eventLimits.maxIdsPerEvent ? { sentryIds, all: true } : { sentryIds, ids };
    } catch (err) {
      ctx.log.warn({ err }, 'could not list changed devices for the event stream');
      payload = { sentryIds, all: true };
    }
    if (!client.res.destroyed) client.res.write(`event: devices\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  function close(client: Client) {
    if (!clients.delete(client)) return;
    client.unsubscribe();
    clearInterval(client.heartbeat);
    if (client.timer) clearTimeout(client.timer);
    if (!client.res.destroyed) client.res.end();
  }

  // Open streams would hold the server open on shutdown (connections are not force-closed).
  app.addHook('preClose', async () => {
    for (const c of [...clients]) close(c);
  });

  app.get(
    '/api/v1/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['dashboard'],
        summary:
          'Live updates as server-sent events (Accept: text/event-stream): "devices" events name devices with new reports, at most one a second',
        response: {
          406: z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        },
      },
    },
    async (request, reply) => {
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        return reply.status(406).send({
          error: {
            code: 'not_acceptable',
            message: 'this is an event stream: send Accept: text/event-stream',
          },
        });
      }
      if (clients.size >= eventLimits.maxClients) {
        throw new ApiError(
          503,
          'unavailable',
          `at most ${eventLimits.maxClients} dashboards may follow live updates at once; try again later`,
        );
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ at: ctx.now() })}\n\n`);
      const client: Client = {
        res,
        pending: new Set(),
        timer: null,
        lastSentAt: 0,
        heartbeat: setInterval(() => {
          if (!res.destroyed) res.write(': keep-alive\n\n');
        }, eventLimits.heartbeatMs),
        unsubscribe: () => {},
      };
      client.unsubscribe = ctx.events.subscribe((sentryIds) => {
        for (const id of sentryIds) client.pending.add(id);
        if (client.timer) return;
        const wait = Math.max(0, client.lastSentAt + eventLimits.minIntervalMs - Date.now());
        client.timer = setTimeout(() => void flush(client), wait);
      });
      clients.add(client);
      request.raw.on('close', () => close(client));
      res.on('error', () => close(client));
    },
  );
}
