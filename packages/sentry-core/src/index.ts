export { enrollCommand, fail, jsonLogger, type Logger } from './cli-support.js';
export {
  CommanderClient,
  CommanderError,
  type CommanderErrorKind,
  clientLimits,
} from './commander-client.js';
export {
  CONFIG_FILE,
  loadConfig,
  NotEnrolledError,
  requireConfig,
  type SentryConfig,
  saveConfig,
} from './config.js';
export { DesiredStateFetcher, DesiredStateRefused, verifyDesiredState } from './desired-state.js';
export { enroll } from './enroll.js';
export { type HttpResponse, httpLimits, httpRequest } from './http-client.js';
export { Outbox, outboxLimits } from './outbox.js';
export { PushClient, type PushHandlers, pushLimits } from './push-client.js';
export { readJsonFile, writeFileAtomic, writeJsonFile } from './state-files.js';
