export * from './chat-call.js';
export * from './chat-result.js';
export * from './chat-model.js';
export * from './errors.js';
export * from './route-plan.js';
export * from './trigger.js';
