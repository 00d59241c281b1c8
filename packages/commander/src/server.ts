import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { limits, PROTOCOL_VERSION, sentryPaths } from '@mrm/protocol';
import Fastify from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { type RouteAccess, registerAuthentication } from './auth/authenticate.js';
import { LoginThrottle } from './auth/login-throttle.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrations.js';
import { EnergyPoller } from './energy/poller.js';
import { clientErrorHandler, errorHandler, notFoundHandler } from './errors.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { deviceRoutes } from './routes/devices.js';
import { energyRoutes } from './routes/energy.js';
import { eventRoutes } from './routes/events.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { installRoutes } from './routes/install.js';
import { playbookRoutes } from './routes/playbooks.js';
import { scheduleRoutes } from './routes/schedules.js';
import { sentryRoutes } from './routes/sentries.js';
import { sentryProtocolRoutes } from './routes/sentry-protocol.js';
import { softwareRoutes } from './routes/software.js';
import { solarRoutes } from './routes/solar.js';
import { templateRoutes } from './routes/templates.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { webRoutes } from './routes/web.js';
import { DeviceEvents } from './services/events.js';
import { PushHub } from './services/push-hub.js';
import { loadOrCreateSigningKey } from './services/signing-key.js';
import { TelemetryMaintenance } from './services/telemetry-maintenance.js';
import { ensureInitialAdmin } from './services/users.js';
import { SolarLoop } from './solar/loop.js';

export const COMMANDER_VERSION = '0.1.0';

/** Named HTTP limits (slow-client and header defences); tests and docs refer to these. */
export const httpLimits = {
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 72_000,
  maxHeaderBytes: 16 * 1024,
  maxParamLength: 200,
} as const;

export interface Commander {
  app: ReturnType<typeof Fastify>;
  ctx: AppContext;
  /** Every route with its declared access level. */
  routes: RouteAccess[];
  /** Listens on config.port; resolves to the address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createCommander(
  config: Config,
  opts: { now?: () => number; logger?: boolean } = {},
): Promise<Commander> {
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: httpLimits.requestTimeoutMs,
    keepAliveTimeout: httpLimits.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: httpLimits.maxParamLength },
    http: { maxHeaderSize: httpLimits.maxHeaderBytes },
    trustProxy: config.trustProxy,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    clientErrorHandler,
    forceCloseConnections: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  const store = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(store.db, store.dialect);
  } catch (err) {
    await store.close();
    throw err;
  }
  const now = opts.now ?? Date.now;
  const push = new PushHub();
  const ctx = {
    config,
    store,
    log: app.log,
    signingKey: await loadOrCreateSigningKey(store),
    push,
    events: new DeviceEvents(),
    loginThrottle: new LoginThrottle(undefined, now),
    now,
  } as AppContext;
  ctx.telemetry = new TelemetryMaintenance(ctx);
  ctx.energy = new EnergyPoller(ctx);
  ctx.solar = new SolarLoop(ctx);
  push.attach(ctx);
  if (await ensureInitialAdmin(store.db, config.adminPassword, now()))
    app.log.info('created user "admin" from MRM_ADMIN_PASSWORD');

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: limits.maxPushMessageBytes } });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Mining Rig Monitor commander API',
        version: COMMANDER_VERSION,
        description:
          `REST API v1 and sentry protocol v${PROTOCOL_VERSION}. Errors are {"error": {"code", "message"}}. ` +
          `OpenAPI cannot describe WebSockets: sentries also keep one open on GET ${sentryPaths.push} ` +
          '(sentry token as Bearer), on which the commander sends desired-state-changed and command messages.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'session token, API token, or sentry token',
          },
          cookie: { type: 'apiKey', in: 'cookie', name: 'mrm_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  const routes = registerAuthentication(app, ctx);
  const state = { shuttingDown: false };
  healthRoutes(app, ctx, state);
  authRoutes(app, ctx);
  userRoutes(app, ctx);
  tokenRoutes(app, ctx);
  sentryRoutes(app, ctx);
  sentryProtocolRoutes(app, ctx);
  templateRoutes(app, ctx);
  playbookRoutes(app, ctx);
  softwareRoutes(app, ctx);
  installRoutes(app, ctx);
  deviceRoutes(app, ctx);
  groupRoutes(app, ctx);
  energyRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  solarRoutes(app, ctx);
  auditRoutes(app, ctx);
  eventRoutes(app, ctx);
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  webRoutes(app, ctx);

  let closed = false;
  return {
    app: app as unknown as ReturnType<typeof Fastify>,
    ctx,
    routes,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      ctx.telemetry.start();
      await ctx.energy.start();
      ctx.solar.start();
      return address;
    },
    async close() {
      if (closed) return;
      closed = true;
      state.shuttingDown = true;
      // Stop taking new work, let in-flight reports finish, then close the database.
      push.closeAll();
      await app.close();
      await ctx.telemetry.stop();
      await ctx.solar.stop();
      await ctx.energy.stop();
      await store.close();
    },
  };
}
