import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { normalizeOllamaModelName } from '../../providers/ollama/ollama-host-state.js';

/**
 * config/model-specs.yaml: model architectures, bits per weight of each quantisation, KV cache
 * element sizes, the runtime overhead and the bandwidth efficiency. Data,
 * not code; every figure carries its source in the file.
 */

const positiveInteger = z.number().int().positive();

export const modelSpecSchema = z
  .object({
    /** What tables call it (`llama3.2 (3.2B)`); default: the key. */
    label: z.string().min(1).optional(),
    /** Other Ollama tags with the same weights (`llama3.2:3b`). */
    aliases: z.array(z.string().min(1)).default([]),
    /** `embedding`: an encoder, which keeps no KV cache. */
    kind: z.enum(['generate', 'embedding']).default('generate'),
    parameters: positiveInteger,
    layers: positiveInteger,
    kvHeads: positiveInteger,
    headDim: positiveInteger,
    /** The trained context, tokens: Ollama caps num_ctx to it. */
    contextLength: positiveInteger,
    /** Ollama's default quantisation for the tag (a key of `quantizations`). */
    quantization: z.string().min(1),
  })
  .strict();

const bits = z.number().positive();

export const modelSpecsSchema = z
  .object({
    recommended: z.array(z.string().min(1)).default([]),
    quantizations: z.record(z.string(), bits),
    kvCacheTypes: z.record(z.string(), bits),
    overheadGb: z.number().nonnegative(),
    efficiency: z.number().positive().max(1),
    models: z.record(z.string(), modelSpecSchema),
  })
  .strict()
  .superRefine((specs, ctx) => {
    for (const [name, model] of Object.entries(specs.models)) {
      if (lookupBits(specs.quantizations, model.quantization) === undefined) {
        ctx.addIssue({ code: 'custom', path: ['models', name, 'quantization'], message: `'${model.quantization}' is not under quantizations` });
      }
    }
    if (specs.kvCacheTypes.f16 === undefined) ctx.addIssue({ code: 'custom', path: ['kvCacheTypes'], message: 'expected an f16 entry (Ollama\'s default)' });
  });

export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelSpecs = z.infer<typeof modelSpecsSchema>;

/** config/model-specs.yaml at the package root: three levels up from src/planning/model-fit/ and dist/planning/model-fit/. */
export const BUILT_IN_MODEL_SPECS_PATH = fileURLToPath(new URL('../../../config/model-specs.yaml', import.meta.url));

/** The file cannot be read or is invalid; `issues` name the path in the file and what was expected. */
export class ModelSpecsError extends Error {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`Invalid model specs (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ModelSpecsError';
    this.issues = issues;
  }
}

export async function loadModelSpecs(path: string = BUILT_IN_MODEL_SPECS_PATH): Promise<ModelSpecs> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelSpecsError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parseModelSpecs(text, path);
}

export function parseModelSpecs(text: string, source: string): ModelSpecs {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ModelSpecsError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = modelSpecsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelSpecsError(source, parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`));
  }
  return parsed.data;
}

/** A model's spec by any Ollama spelling of its name (`llama3.2`, `llama3.2:latest`, `llama3.2:3b`). */
export function findModelSpec(specs: Pick<ModelSpecs, 'models'>, name: string): { readonly key: string; readonly spec: ModelSpec } | undefined {
  const wanted = normalizeOllamaModelName(name);
  for (const [key, spec] of Object.entries(specs.models)) {
    if ([key, ...spec.aliases].some((candidate) => normalizeOllamaModelName(candidate) === wanted)) return { key, spec };
  }
  return undefined;
}

/**
 * Bits per weight of a quantisation as Ollama names it (`Q4_K_M`, `q4_k_m`, `F16`); undefined
 * when the table does not have it.
 */
export function lookupBits(table: Readonly<Record<string, number>>, name: string): number | undefined {
  const wanted = name.trim().toUpperCase();
  for (const [key, value] of Object.entries(table)) if (key.toUpperCase() === wanted) return value;
  return undefined;
}
