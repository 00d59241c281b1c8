export { loginThrottleLimits } from './auth/login-throttle.js';
export { type Config, ConfigError, loadConfig } from './config.js';
export { API_PORT_RANGE } from './routes/playbooks.js';
export { type Commander, createCommander, httpLimits } from './server.js';
