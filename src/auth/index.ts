export * from './auth-config-schema.js';
export * from './auth-errors.js';
export * from './auth-logger.js';
export * from './api-keys.js';
export * from './authenticator.js';
export * from './budget-guard.js';
export * from './rate-limiter.js';
