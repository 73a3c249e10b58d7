export * from './planning-config-schema.js';
export * from './hardware-catalog.js';
export * from './plan-roi.js';
export * from './measure-traffic.js';
export * from './what-if.js';
export * from './build-plan.js';
