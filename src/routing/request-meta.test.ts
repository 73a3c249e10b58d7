import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../core/index.js';
import { readRequestMeta } from './request-meta.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readRequestMeta', () => {
  it('reads task, priority and tier from body metadata, plus the request facts', () => {
    expect(readRequestMeta({
      model: 'kb-analysis',
      headers: {},
      metadata: { task: 'kb-analysis', priority: 'Medium', tier: 'l2', other: 'ignored' },
      estimatedInputTokens: 1200,
      hasTools: true,
      hasImages: false,
    })).toEqual({ model: 'kb-analysis', task: 'kb-analysis', priority: 'medium', tier: 'L2', estimatedInputTokens: 1200, hasTools: true, hasImages: false });
  });

  it('lets headers win over metadata, and tollgate_* keys over plain ones', () => {
    const meta = readRequestMeta({
      model: 'auto',
      headers: { 'x-tollgate-task': 'summary', 'x-tollgate-priority': ['high', 'low'] },
      metadata: { task: 'kb-analysis', priority: 'low', tier: 'L3', tollgate_tier: 'L1' },
    });
    expect(meta).toEqual({ model: 'auto', task: 'summary', priority: 'high', tier: 'L1' });
  });

  it('treats empty values as not given and passes key/team through from auth', () => {
    expect(readRequestMeta({ model: 'm', headers: { 'x-tollgate-task': ' ' }, metadata: { priority: '' }, key: 'key_1', team: 'video' })).toEqual({
      model: 'm',
      key: 'key_1',
      team: 'video',
    });
  });

  it('rejects invalid values naming the header or field and the allowed values', () => {
    const fromHeader = thrown(() => readRequestMeta({ model: 'm', headers: { 'x-tollgate-priority': 'urgent' }, metadata: {} }));
    expect(fromHeader).toBeInstanceOf(InvalidRequestError);
    expect(fromHeader).toMatchObject({ status: 400, code: 'invalid_request', message: "Invalid header x-tollgate-priority: 'urgent'; expected one of high, medium, low." });

    const fromBody = thrown(() => readRequestMeta({ model: 'm', headers: {}, metadata: { tier: 'L9' } }));
    expect(fromBody).toMatchObject({ param: 'metadata.tier', message: "Invalid metadata.tier: 'L9'; expected one of L1, L2, L3." });

    const prefixed = thrown(() => readRequestMeta({ model: 'm', headers: {}, metadata: { tollgate_priority: 'asap' } }));
    expect(prefixed).toMatchObject({ param: 'metadata.tollgate_priority' });

    const task = thrown(() => readRequestMeta({ model: 'm', headers: { 'x-tollgate-task': 'kb analysis\n' + 'x'.repeat(80) }, metadata: {} }));
    expect((task as Error).message).toMatch(/^Invalid header x-tollgate-task: .*expected a task name/s);
  });
});
