/**
 * The arithmetic of `tollgate models fit`, pure: what a model needs in GPU memory, and how fast a
 * GPU can decode it when it fits. Every figure is derivable by hand from the inputs.
 */

/** GPU memory is sold in binary gigabytes (a "24 GB" card has 24 GiB); all `Gb` figures here are GiB. */
export const BYTES_PER_GB = 1024 ** 3;

/** Memory bandwidth is quoted in decimal gigabytes per second (936 GB/s = 936 × 10^9 B/s). */
export const BYTES_PER_BANDWIDTH_GB = 1e9;

/** The facts about a model that its memory depends on. */
export interface ModelArchitecture {
  readonly parameters: number;
  /** Transformer blocks (`num_hidden_layers`, `<arch>.block_count`). */
  readonly layers: number;
  /** Key/value heads per layer (`num_key_value_heads`); fewer than attention heads with GQA. */
  readonly kvHeads: number;
  /** Dimensions per head (`head_dim`, else hidden size ÷ attention heads). */
  readonly headDim: number;
  /** The trained context; undefined when unknown (then the requested context is used as is). */
  readonly contextLength?: number;
  /** An encoder (embedding model) keeps no KV cache. */
  readonly kind: 'generate' | 'embedding';
}

export interface MemoryEstimateInput {
  readonly architecture: ModelArchitecture;
  /** Of the weights' quantisation: Q4_K_M ≈ 4.85, Q8_0 8.5, F16 16. */
  readonly bitsPerWeight: number;
  /** The context (num_ctx) asked for, tokens. */
  readonly contextTokens: number;
  /** Of a KV cache element: 16 for f16 (Ollama's default). */
  readonly kvBitsPerElement: number;
  /** Requests served at once (OLLAMA_NUM_PARALLEL): Ollama allocates context × parallel cache cells. */
  readonly parallel: number;
  /** Runtime overhead per loaded model, bytes (CUDA context, compute buffer, Ollama's reserve). */
  readonly overheadBytes: number;
}

export interface MemoryEstimate {
  /** parameters × bitsPerWeight ÷ 8, rounded to whole bytes. */
  readonly weightsBytes: number;
  /** 2 × layers × context × kvHeads × headDim × kvBitsPerElement ÷ 8 × parallel; 0 for an encoder. */
  readonly kvCacheBytes: number;
  readonly overheadBytes: number;
  readonly totalBytes: number;
  /** The context the KV cache was sized for: the one asked, capped at the trained context. */
  readonly contextTokens: number;
  /** True when the context asked exceeded the trained one (Ollama caps it the same way). */
  readonly contextCapped: boolean;
}

export function estimateModelMemory(input: MemoryEstimateInput): MemoryEstimate {
  const { architecture: model } = input;
  const trained = model.contextLength;
  const contextTokens = trained !== undefined ? Math.min(input.contextTokens, trained) : input.contextTokens;
  const weightsBytes = Math.round((model.parameters * input.bitsPerWeight) / 8);
  const kvCacheBytes =
    model.kind === 'embedding' ? 0 : Math.round((2 * model.layers * contextTokens * model.kvHeads * model.headDim * input.kvBitsPerElement * input.parallel) / 8);
  return {
    weightsBytes,
    kvCacheBytes,
    overheadBytes: input.overheadBytes,
    totalBytes: weightsBytes + kvCacheBytes + input.overheadBytes,
    contextTokens,
    contextCapped: contextTokens < input.contextTokens,
  };
}

/**
 * Decoding one token reads every weight once, so a GPU's memory bandwidth bounds the speed:
 * tokens/s ≈ bandwidth × efficiency ÷ weights. The KV cache read and compute are left out, which
 * is why `efficiency` (the share of peak bandwidth reached, ~0.6–0.7) is below 1.
 */
export function estimateTokensPerSecond(input: { readonly bandwidthGBps: number; readonly efficiency: number; readonly weightsBytes: number }): number {
  return (input.bandwidthGBps * BYTES_PER_BANDWIDTH_GB * input.efficiency) / input.weightsBytes;
}
