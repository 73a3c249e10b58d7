import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { modelPriceSchema } from './pricing-config-schema.js';

/**
 * The built-in price extension, config/prices.yaml: list prices for models @pydantic/genai-prices
 * does not know yet (or prices wrongly), by provider type then model id. Data, not code: read once
 * at start, never on the request path.
 */

const modelPrices = z.record(z.string().min(1), modelPriceSchema).default({});

export const priceCatalogSchema = z
  .object({
    /** Models served by providers of type `anthropic`. */
    anthropic: modelPrices,
    /** Models served by providers of type `openai`. */
    openai: modelPrices,
  })
  .strict();

export type PriceCatalog = z.infer<typeof priceCatalogSchema>;

/** The provider types that have list prices (the others run on our own hardware). */
export type CloudProviderType = keyof PriceCatalog;

export const EMPTY_PRICE_CATALOG: PriceCatalog = Object.freeze({ anthropic: {}, openai: {} });

/** config/prices.yaml at the package root: two levels up from both src/pricing/ and dist/pricing/. */
export const BUILT_IN_PRICES_PATH = fileURLToPath(new URL('../../config/prices.yaml', import.meta.url));

/** The price file could not be read or is invalid; `issues` name the path in the file and what was expected. */
export class PriceCatalogError extends Error {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`Invalid price catalogue (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'PriceCatalogError';
    this.issues = issues;
  }
}

export async function loadPriceCatalog(path: string = BUILT_IN_PRICES_PATH): Promise<PriceCatalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PriceCatalogError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parsePriceCatalog(text, path);
}

export function parsePriceCatalog(text: string, source: string): PriceCatalog {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new PriceCatalogError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const result = priceCatalogSchema.safeParse(raw);
  if (!result.success) {
    throw new PriceCatalogError(
      source,
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}
