#!/usr/bin/env node
// Entry point for `npx tollgate`: the compiled CLI lives in dist/ (built by `npm install` via `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
