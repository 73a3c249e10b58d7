import { GatewayError } from '../../core/index.js';

/**
 * What a provider throws when *our* AbortSignal stopped the call. Like `fetch`, it rethrows the
 * signal's reason when that is an Error (the server aborts with ClientAbortError, a deadline with
 * a `TimeoutError` DOMException), so the caller gets back exactly what it aborted with; otherwise
 * a DOMException named `AbortError`. Never a ProviderCallError: an abort is not an upstream failure.
 */
export function abortReason(signal: { readonly reason: unknown }): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * True when `error` means "the call was cancelled by us" (client gone, deadline passed) rather
 * than "the upstream failed". Recognises what `abortReason` throws and undici's own abort error.
 */
export function isAbortError(error: unknown): boolean {
  if (error instanceof GatewayError) return error.code === 'client_aborted';
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  return 'code' in error && error.code === 'UND_ERR_ABORTED';
}
