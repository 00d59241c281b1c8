export { buildCli, main } from './cli.js';
export { RigDaemon } from './daemon.js';
export { InstallError, Installer, installLimits } from './installer.js';
export { quoteBat, quoteSh, renderScript, UnsafeValueError } from './script.js';
export { defaultSettings, loadSettings, type RigSettings } from './settings.js';
export { buildRigReport } from './telemetry.js';
export { SENTRY_VERSION } from './version.js';
