export * from './http.js';
export * from './mqtt.js';
export * from './sunspec.js';
