export * from './check-routing-references.js';
export * from './create-router.js';
export * from './default-routing-rules.js';
export * from './request-meta.js';
export * from './resolve-route-target.js';
export * from './routing-config-schema.js';
