#!/usr/bin/env -S node --max-old-space-size=1024 --max-semi-space-size=8
// Entry point for `npx tollgate`: the compiled CLI lives in dist/ (built by `npm install` via `prepare`).
//
// Why the heap flags: on a machine with lots of RAM, V8 sizes its heap limit from that RAM (4 GB on
// a 24 GB box) and then lets the heap grow lazily towards it, so a gateway under steady load sat
// at 170-185 MB RSS. With an explicit 1 GB limit, V8 collects sooner: peak RSS drops to ~135 MB for
// the same load at a throughput cost within noise (see README, Performance). 1 GB is far above the
// gateway's live data (tens of MB, plus bodies up to the body limit). The young generation's
// semi-spaces are capped at 8 MB (V8's default grows them to 16): a request's garbage dies young
// either way, and the cap took ~8 MB off peak RSS with no throughput change measured. Keep in step
// with GATEWAY_NODE_FLAGS in src/server/node-flags.ts (a test checks).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
