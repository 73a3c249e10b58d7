/**
 * The V8 flags the gateway runs with (set by bin/tollgate.js's shebang and `npm start`; the
 * benchmark starts its gateway process with the same). See bin/tollgate.js for why.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024', '--max-semi-space-size=8'];
