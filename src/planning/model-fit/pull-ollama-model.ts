import type { AbortLike } from '../../core/index.js';
import { ollamaPullProgressSchema, type OllamaPullProgress } from '../../providers/ollama/ollama-api.js';
import { readNdjsonLines } from '../../providers/shared/ndjson.js';
import { parseUpstreamJson, type UpstreamClient } from '../../providers/shared/upstream-client.js';
import { createBadResponseError, createInBandError, createStreamFailure } from '../../providers/shared/upstream-error.js';
import { abortReason } from '../../providers/shared/abort.js';

/** Where a pull stands after the lines read so far. */
export interface PullState {
  /** The last status line (`pulling manifest`, `pulling 8eeb52dfb3bb`, `verifying sha256 digest`, `success`). */
  readonly status: string;
  /** Per layer digest: its size and how much of it is on disk. */
  readonly layers: ReadonlyMap<string, { readonly total: number; readonly completed: number }>;
  /** Sums over the layers announced so far (later layers add to the total when they start). */
  readonly totalBytes: number;
  readonly completedBytes: number;
  /** Ollama said `success`: the manifest is written and the model is usable. */
  readonly success: boolean;
}

export const INITIAL_PULL_STATE: PullState = Object.freeze({ status: 'starting', layers: new Map(), totalBytes: 0, completedBytes: 0, success: false });

/**
 * Folds one progress line into the state. Ollama repeats a layer's line as it grows and omits
 * `completed` while it is 0; a layer already on disk arrives complete at once.
 */
export function advancePull(state: PullState, line: OllamaPullProgress): PullState {
  const status = line.status ?? state.status;
  let layers = state.layers;
  if (line.digest !== undefined && line.total !== undefined) {
    const next = new Map(layers);
    next.set(line.digest, { total: line.total, completed: Math.min(line.total, line.completed ?? layers.get(line.digest)?.completed ?? 0) });
    layers = next;
  }
  let totalBytes = 0;
  let completedBytes = 0;
  for (const layer of layers.values()) {
    totalBytes += layer.total;
    completedBytes += layer.completed;
  }
  return { status, layers, totalBytes, completedBytes, success: state.success || status === 'success' };
}

/**
 * `POST /api/pull` with streamed progress (PROTOCOLS §1.7). Resolves with the final state once
 * Ollama says `success`; rejects with a ProviderCallError carrying Ollama's own message when it
 * refuses (`400 invalid model name`) or fails after the stream started (`{"error":"pull model
 * manifest: file does not exist"}` with status 200), and when the stream ends without `success`.
 */
export async function pullOllamaModel(
  client: UpstreamClient,
  model: string,
  options: { readonly signal?: AbortLike; readonly onProgress?: (state: PullState) => void } = {},
): Promise<PullState> {
  const response = await client.send({ method: 'POST', path: '/api/pull', body: JSON.stringify({ model, stream: true }), signal: options.signal });
  let state = INITIAL_PULL_STATE;
  try {
    for await (const text of readNdjsonLines(response.body)) {
      const parsed = ollamaPullProgressSchema.safeParse(parseUpstreamJson(text, response, 'a pull progress line'));
      if (!parsed.success) {
        throw createBadResponseError(response.target, `${response.target.provider} sent an unexpected pull progress line: ${parsed.error.message}`, { status: response.status, body: text });
      }
      if (parsed.data.error !== undefined) throw createInBandError(response.target, parsed.data.error, { raw: text, isRetryable: false });
      state = advancePull(state, parsed.data);
      options.onProgress?.(state);
    }
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    throw createStreamFailure(error, response.target, response.status);
  }
  if (!state.success) throw createBadResponseError(response.target, `the pull from ${response.target.provider} ended before Ollama said success (last: ${state.status}).`, { status: response.status });
  return state;
}
