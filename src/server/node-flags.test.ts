import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './node-flags.js';

const root = new URL('../../', import.meta.url);

describe('GATEWAY_NODE_FLAGS', () => {
  it('are the flags bin/tollgate.js, npm start and npm run demo run the gateway with (the benchmark uses the constant)', () => {
    const shebang = readFileSync(new URL('bin/tollgate.js', root), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${GATEWAY_NODE_FLAGS.join(' ')}`);
    const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${GATEWAY_NODE_FLAGS.join(' ')} bin/tollgate.js serve`);
    expect(scripts.demo).toBe(`node ${GATEWAY_NODE_FLAGS.join(' ')} bin/tollgate.js demo`);
  });
});
