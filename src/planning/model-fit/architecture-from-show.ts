import type { OllamaShowResponse } from '../../providers/ollama/ollama-api.js';
import type { ModelArchitecture } from './estimate-model-memory.js';

/** What a host's `/api/show` says about a model: its architecture, or why it cannot be told. */
export type ShownModel =
  | { readonly ok: true; readonly architecture: ModelArchitecture; readonly quantization: string | undefined; readonly family: string | undefined }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads the GGUF metadata Ollama's `/api/show` returns in `model_info`: `general.architecture`
 * names the prefix of the rest (`llama.block_count`, `llama.attention.head_count_kv`,
 * `llama.embedding_length`, `llama.attention.head_count`, optional `llama.attention.key_length`
 * for a head size that is not embedding ÷ heads). The parameter count is
 * `general.parameter_count`, else `details.parameter_size` (`7.2B`, `137M`).
 */
export function architectureFromShow(show: OllamaShowResponse): ShownModel {
  const info = show.model_info ?? {};
  const arch = info['general.architecture'];
  if (typeof arch !== 'string' || arch === '') return { ok: false, reason: 'the host did not say its architecture (model_info)' };
  const field = (key: string) => largest(info[`${arch}.${key}`]);
  const parameters = largest(info['general.parameter_count']) ?? parseParameterSize(show.details?.parameter_size);
  const layers = field('block_count');
  const heads = field('attention.head_count');
  // Without a KV head count the model uses plain multi-head attention: one KV head per head.
  const kvHeads = field('attention.head_count_kv') ?? heads;
  const embedding = field('embedding_length');
  const headDim = field('attention.key_length') ?? (embedding !== undefined && heads !== undefined && heads > 0 ? embedding / heads : undefined);
  const missing = [
    parameters === undefined ? 'general.parameter_count' : undefined,
    layers === undefined ? `${arch}.block_count` : undefined,
    kvHeads === undefined ? `${arch}.attention.head_count_kv` : undefined,
    headDim === undefined ? `${arch}.embedding_length / ${arch}.attention.head_count` : undefined,
  ].filter((key): key is string => key !== undefined);
  if (parameters === undefined || layers === undefined || kvHeads === undefined || headDim === undefined) {
    return { ok: false, reason: `the host's /api/show lacks ${missing.join(', ')}` };
  }
  const contextLength = field('context_length');
  const embeddingOnly = show.capabilities?.includes('embedding') === true && !show.capabilities.includes('completion');
  return {
    ok: true,
    architecture: {
      parameters,
      layers,
      kvHeads,
      headDim,
      ...(contextLength !== undefined ? { contextLength } : {}),
      kind: embeddingOnly ? 'embedding' : 'generate',
    },
    quantization: show.details?.quantization_level,
    family: show.details?.family,
  };
}

/** A number, or the largest of a per-layer array (some models vary KV heads by layer): sizes the cache for the worst layer. */
function largest(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  if (Array.isArray(value)) {
    const numbers = value.filter((item): item is number => typeof item === 'number' && Number.isFinite(item) && item > 0);
    return numbers.length > 0 ? Math.max(...numbers) : undefined;
  }
  return undefined;
}

/** Ollama's `parameter_size`: `7.6B`, `137M`, `70.6B`. */
export function parseParameterSize(size: string | undefined): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$/i.exec(size ?? '');
  if (!match) return undefined;
  const factor = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[match[2]!.toUpperCase() as 'K' | 'M' | 'B' | 'T'];
  return Math.round(Number(match[1]) * factor);
}
