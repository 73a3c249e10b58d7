export { isAbortError, abortReason } from './abort.js';
export { parseRetryAfter } from './retry-after.js';
