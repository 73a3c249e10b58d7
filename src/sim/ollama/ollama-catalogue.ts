import { createHash } from 'node:crypto';

/**
 * The models an Ollama simulator "has on disk": realistic metadata for the defaults, plausible
 * metadata derived from the name for anything else (options.models, /api/pull).
 */

export type OllamaCapability = 'completion' | 'tools' | 'insert' | 'vision' | 'embedding' | 'thinking';

export interface OllamaModel {
  /** Normalised name, `llama3.2:latest`. */
  readonly name: string;
  readonly family: string;
  readonly parameterSize: string;
  readonly quantization: string;
  /** Bytes on disk (also reported as resident size in /api/ps). */
  readonly size: number;
  /** Hex sha256 of the manifest (without the `sha256:` prefix, as /api/tags shows it). */
  readonly digest: string;
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly capabilities: readonly OllamaCapability[];
  readonly modifiedAt: string;
}

export const DEFAULT_OLLAMA_MODELS = ['qwen2.5:7b', 'llama3.2', 'phi3', 'llama3.1:70b', 'nomic-embed-text'];

type Known = Omit<OllamaModel, 'name' | 'digest' | 'modifiedAt'>;

const KNOWN: Record<string, Known> = {
  'qwen2.5:7b': {
    family: 'qwen2',
    parameterSize: '7.6B',
    quantization: 'Q4_K_M',
    size: 4_683_087_332,
    contextLength: 32_768,
    embeddingLength: 3_584,
    capabilities: ['completion', 'tools', 'insert'],
  },
  'llama3.2:latest': {
    family: 'llama',
    parameterSize: '3.2B',
    quantization: 'Q4_K_M',
    size: 2_019_393_189,
    contextLength: 131_072,
    embeddingLength: 3_072,
    capabilities: ['completion', 'tools'],
  },
  'phi3:latest': {
    family: 'phi3',
    parameterSize: '3.8B',
    quantization: 'Q4_0',
    size: 2_176_178_913,
    contextLength: 131_072,
    embeddingLength: 3_072,
    capabilities: ['completion'],
  },
  'llama3.1:70b': {
    family: 'llama',
    parameterSize: '70.6B',
    quantization: 'Q4_K_M',
    size: 42_520_413_916,
    contextLength: 131_072,
    embeddingLength: 8_192,
    capabilities: ['completion', 'tools'],
  },
  'nomic-embed-text:latest': {
    family: 'nomic-bert',
    parameterSize: '137M',
    quantization: 'F16',
    size: 274_302_450,
    contextLength: 2_048,
    embeddingLength: 768,
    capabilities: ['embedding'],
  },
};

/** `llama3.2` ≡ `llama3.2:latest`; the default registry prefix is dropped. */
export function normalizeOllamaName(name: string): string {
  let n = name.trim();
  for (const prefix of ['registry.ollama.ai/library/', 'registry.ollama.ai/']) {
    if (n.startsWith(prefix)) n = n.slice(prefix.length);
  }
  const lastSlash = n.lastIndexOf('/');
  return n.indexOf(':', lastSlash + 1) === -1 ? `${n}:latest` : n;
}

/** Names Ollama would accept: `[namespace/]model[:tag]`. */
export function isValidOllamaName(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9._-]*(\/[a-zA-Z0-9][a-zA-Z0-9._-]*)*(:[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})?$/.test(name.trim());
}

/** The fully qualified name Ollama uses in capability errors. */
export function qualifiedOllamaName(name: string): string {
  const n = normalizeOllamaName(name);
  return n.includes('/') ? `registry.ollama.ai/${n}` : `registry.ollama.ai/library/${n}`;
}

function guess(name: string): Known {
  const lower = name.toLowerCase();
  if (lower.includes('embed') || lower.includes('minilm') || lower.includes('bge')) {
    return { family: 'bert', parameterSize: '335M', quantization: 'F16', size: 669_615_493, contextLength: 512, embeddingLength: 1_024, capabilities: ['embedding'] };
  }
  const billions = Number(/:(\d+(?:\.\d+)?)b\b/.exec(lower)?.[1] ?? '7');
  const thinking = /qwen3|deepseek-r1|gpt-oss|magistral|think/.test(lower);
  const family = /^[a-z]+/.exec(lower.split('/').pop() ?? lower)?.[0] ?? 'llama';
  return {
    family,
    parameterSize: `${billions}B`,
    quantization: 'Q4_K_M',
    size: Math.round(billions * 0.62e9),
    contextLength: 40_960,
    embeddingLength: 4_096,
    capabilities: thinking ? ['completion', 'tools', 'thinking'] : ['completion', 'tools'],
  };
}

export function describeOllamaModel(name: string, modifiedAt: Date = new Date()): OllamaModel {
  const normalized = normalizeOllamaName(name);
  const meta = KNOWN[normalized] ?? guess(normalized);
  return {
    ...meta,
    name: normalized,
    digest: createHash('sha256').update(`manifest:${normalized}`).digest('hex'),
    modifiedAt: modifiedAt.toISOString(),
  };
}

/** Mutable catalogue: pull adds, delete removes. */
export class OllamaCatalogue {
  private readonly models = new Map<string, OllamaModel>();

  constructor(names: readonly string[]) {
    for (const name of names) this.add(name);
  }

  get(name: string): OllamaModel | undefined {
    return this.models.get(normalizeOllamaName(name));
  }

  add(name: string): OllamaModel {
    const existing = this.get(name);
    if (existing) return existing;
    const model = describeOllamaModel(name);
    this.models.set(model.name, model);
    return model;
  }

  remove(name: string): boolean {
    return this.models.delete(normalizeOllamaName(name));
  }

  list(): OllamaModel[] {
    return [...this.models.values()];
  }
}

/** `/api/tags`-style `details` object. */
export function ollamaDetails(model: OllamaModel): Record<string, unknown> {
  return {
    parent_model: '',
    format: 'gguf',
    family: model.family,
    families: [model.family],
    parameter_size: model.parameterSize,
    quantization_level: model.quantization,
  };
}

