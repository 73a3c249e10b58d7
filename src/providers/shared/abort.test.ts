import { describe, expect, it } from 'vitest';
import { ClientAbortError, ProviderCallError } from '../../core/index.js';
import { abortReason, isAbortError } from './abort.js';

describe('isAbortError / abortReason', () => {
  it('rethrows the signal reason when it is an Error, as fetch does', () => {
    const controller = new AbortController();
    const reason = new ClientAbortError();
    controller.abort(reason);
    expect(abortReason(controller.signal)).toBe(reason);
    expect(isAbortError(reason)).toBe(true);
  });

  it('makes an AbortError when the reason is not an Error', () => {
    const controller = new AbortController();
    controller.abort('bye');
    const error = abortReason(controller.signal);
    expect(error.name).toBe('AbortError');
    expect(isAbortError(error)).toBe(true);
  });

  it('knows default and timeout reasons, and not upstream failures', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(abortReason(controller.signal))).toBe(true);
    expect(isAbortError(new DOMException('late', 'TimeoutError'))).toBe(true);
    expect(isAbortError(new ProviderCallError({ provider: 'p', url: 'u', message: 'down' }))).toBe(false);
    expect(isAbortError(new Error('x'))).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
  });
});
