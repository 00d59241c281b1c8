import type { FastifyBaseLogger } from 'fastify';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { Config } from './config.js';
import type { Db } from './db/connect.js';
import type { EnergyPoller } from './energy/poller.js';
import type { DeviceEvents } from './services/events.js';
import type { PushHub } from './services/push-hub.js';
import type { SigningKey } from './services/signing-key.js';
import type { TelemetryMaintenance } from './services/telemetry-maintenance.js';
import type { SolarLoop } from './solar/loop.js';

/** Everything a route or service needs, passed explicitly rather than through globals. */
export interface AppContext {
  config: Config;
  store: Db;
  log: FastifyBaseLogger;
  signingKey: SigningKey;
  push: PushHub;
  /** Stored reports, for the dashboard's live updates. */
  events: DeviceEvents;
  loginThrottle: LoginThrottle;
  telemetry: TelemetryMaintenance;
  /** Energy sources: polling, latest readings (packages/commander/src/energy). */
  energy: EnergyPoller;
  /** The solar controller's loop, schedules included (packages/commander/src/solar). */
  solar: SolarLoop;
  now(): number;
}
