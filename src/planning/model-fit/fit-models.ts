import { normalizeOllamaModelName } from '../../providers/ollama/ollama-host-state.js';
import { BYTES_PER_GB, estimateModelMemory, estimateTokensPerSecond, type MemoryEstimate, type ModelArchitecture } from './estimate-model-memory.js';
import { lookupBits } from './model-specs.js';

/** One model to judge, with what is known about it. */
export interface FitCandidate {
  /** The Ollama name, as recommended or configured (`qwen2.5:7b`). */
  readonly model: string;
  /** Other spellings of the same weights (`llama3.2:3b`), for matching ledger targets. */
  readonly aliases?: readonly string[];
  readonly label: string;
  /** Undefined when unknown (not in config/model-specs.yaml, and no host could describe it). */
  readonly architecture: ModelArchitecture | undefined;
  /** Where the architecture came from: config/model-specs.yaml, or a host's /api/show. */
  readonly architectureSource: 'model-specs' | 'host' | 'unknown';
  /** Ollama's quantisation name (`Q4_K_M`); undefined when unknown. */
  readonly quantization: string | undefined;
  /** Why the architecture or quantisation is unknown, in words. */
  readonly unknownReason?: string;
  /** In the recommended list of config/model-specs.yaml. */
  readonly recommended: boolean;
  /** Aliases and routing rules of the config that use it (`alias kb-analysis`, `rule reasoning`). */
  readonly usedBy: readonly string[];
  /** num_ctx to size the KV cache for. */
  readonly contextTokens: number;
}

export interface FitGpu {
  readonly name: string;
  /** GiB. */
  readonly vramGb: number;
  /** GB/s; undefined when unknown (then no estimate of tokens per second). */
  readonly bandwidthGBps?: number;
}

/** Output tokens per second of generation, from the ledger's rollups (never its raw records). */
export interface MeasuredRate {
  readonly tokensPerSecond: number;
  readonly outputTokens: number;
  readonly generationMs: number;
  /** The `provider/model` targets it was measured on. */
  readonly targets: readonly string[];
}

export interface FitSettings {
  /** Bits per weight by quantisation name. */
  readonly quantizations: Readonly<Record<string, number>>;
  /** OLLAMA_KV_CACHE_TYPE name and its bits per element. */
  readonly kvCacheType: string;
  readonly kvBitsPerElement: number;
  readonly parallel: number;
  readonly overheadBytes: number;
  /** Share of peak memory bandwidth decoding reaches. */
  readonly efficiency: number;
}

export type SpeedFigure =
  | ({ readonly kind: 'measured' } & MeasuredRate)
  | { readonly kind: 'estimate'; readonly tokensPerSecond: number; readonly bandwidthGBps: number; readonly efficiency: number }
  | { readonly kind: 'none'; readonly reason: string };

export interface ModelFit {
  readonly model: string;
  readonly label: string;
  readonly recommended: boolean;
  readonly usedBy: readonly string[];
  readonly quantization: string | null;
  readonly bitsPerWeight: number | null;
  readonly architectureSource: FitCandidate['architectureSource'];
  /** Null when the architecture or the quantisation's bits are unknown. */
  readonly memory: MemoryEstimate | null;
  /** Whole model (weights, KV cache, overhead) in the GPU's memory; null when unknown. */
  readonly fits: boolean | null;
  /** VRAM left over (negative: how much is missing), bytes; null when unknown. */
  readonly freeBytes: number | null;
  readonly speed: SpeedFigure;
  /** Caveats in words (unknown model, context capped), or null. */
  readonly note: string | null;
}

export interface ModelFitReport {
  readonly gpu: FitGpu & { readonly vramBytes: number };
  readonly settings: FitSettings;
  readonly models: readonly ModelFit[];
  /** The models that fit one at a time, loaded together: each runs in its own runner, overhead included. */
  readonly together: { readonly models: readonly string[]; readonly totalBytes: number; readonly fits: boolean };
}

/**
 * Judges each candidate against one GPU: memory by `estimateModelMemory`, whether it fits whole,
 * and tokens per second: measured in the ledger when there are any, else the bandwidth estimate
 * for a model that fits (a model that does not is partly run by the CPU, and is not estimated).
 */
export function fitModels(input: {
  readonly candidates: readonly FitCandidate[];
  readonly gpu: FitGpu;
  readonly settings: FitSettings;
  /** By normalised Ollama name (`llama3.2:latest`). */
  readonly measured: ReadonlyMap<string, MeasuredRate>;
}): ModelFitReport {
  const { gpu, settings } = input;
  const vramBytes = Math.round(gpu.vramGb * BYTES_PER_GB);
  const models = input.candidates.map((candidate): ModelFit => {
    const bitsPerWeight = candidate.quantization === undefined ? undefined : lookupBits(settings.quantizations, candidate.quantization);
    const notes: string[] = [];
    if (candidate.unknownReason !== undefined) notes.push(candidate.unknownReason);
    else if (candidate.quantization !== undefined && bitsPerWeight === undefined) notes.push(`bits per weight of ${candidate.quantization} unknown (add it to config/model-specs.yaml)`);
    const memory =
      candidate.architecture !== undefined && bitsPerWeight !== undefined
        ? estimateModelMemory({
            architecture: candidate.architecture,
            bitsPerWeight,
            contextTokens: candidate.contextTokens,
            kvBitsPerElement: settings.kvBitsPerElement,
            parallel: settings.parallel,
            overheadBytes: settings.overheadBytes,
          })
        : null;
    const encoder = candidate.architecture?.kind === 'embedding';
    // An encoder keeps no cache, so its trained context limits nothing here.
    if (memory?.contextCapped && !encoder) notes.push(`context capped at the trained ${memory.contextTokens.toLocaleString('en-US')} tokens`);
    const fits = memory === null ? null : memory.totalBytes <= vramBytes;
    const measured = [candidate.model, ...(candidate.aliases ?? [])]
      .map((name) => input.measured.get(normalizeOllamaModelName(name)))
      .find((rate) => rate !== undefined);
    return {
      model: candidate.model,
      label: candidate.label,
      recommended: candidate.recommended,
      usedBy: candidate.usedBy,
      quantization: candidate.quantization ?? null,
      bitsPerWeight: bitsPerWeight ?? null,
      architectureSource: candidate.architectureSource,
      memory,
      fits,
      freeBytes: memory === null ? null : vramBytes - memory.totalBytes,
      speed: encoder ? { kind: 'none', reason: 'an embedding model: it generates no tokens' } : speedOf(memory, fits, measured, gpu, settings),
      note: notes.length > 0 ? notes.join('; ') : null,
    };
  });
  const fitting = models.filter((model) => model.fits === true);
  const totalBytes = fitting.reduce((sum, model) => sum + (model.memory?.totalBytes ?? 0), 0);
  return {
    gpu: { ...gpu, vramBytes },
    settings,
    models,
    together: { models: fitting.map((model) => model.model), totalBytes, fits: totalBytes <= vramBytes },
  };
}

function speedOf(memory: MemoryEstimate | null, fits: boolean | null, measured: MeasuredRate | undefined, gpu: FitGpu, settings: FitSettings): SpeedFigure {
  if (measured !== undefined) return { kind: 'measured', ...measured };
  if (memory === null) return { kind: 'none', reason: 'model unknown' };
  if (fits !== true) return { kind: 'none', reason: 'does not fit: Ollama would run some layers on the CPU, far slower; not estimated' };
  if (gpu.bandwidthGBps === undefined) return { kind: 'none', reason: `memory bandwidth of ${gpu.name} unknown: give --bandwidth-gbps` };
  return {
    kind: 'estimate',
    tokensPerSecond: estimateTokensPerSecond({ bandwidthGBps: gpu.bandwidthGBps, efficiency: settings.efficiency, weightsBytes: memory.weightsBytes }),
    bandwidthGBps: gpu.bandwidthGBps,
    efficiency: settings.efficiency,
  };
}
