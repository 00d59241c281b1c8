export { AsicDaemon } from './daemon.js';
export { driverFor, drivers, driverTypes, identificationOrder } from './drivers/index.js';
export { AsicError } from './errors.js';
export { checkAsic, identify } from './identify.js';
export * from './model.js';
export { expandRanges, type ScanHit, scan, scanLimits } from './scanner.js';
export { AsicStore, asicKey } from './store.js';
