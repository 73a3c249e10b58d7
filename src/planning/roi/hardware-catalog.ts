import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { LocalCostConfig } from '../../pricing/pricing-config-schema.js';
import { hardwareEntrySchema, type HardwareEntry } from './planning-config-schema.js';

/**
 * The hardware options the ROI planner compares: config/hardware.yaml (shipped), with
 * `planning.hardware` from tollgate.yaml merged over it by id. Data, not code.
 */

/** One option with every figure the arithmetic needs resolved. */
export interface HardwareOption {
  /** The catalogue id (`rtx-3090`, `existing`). */
  readonly id: string;
  readonly name: string;
  readonly priceUsd: number;
  /** GPU memory, GB; null when unknown. */
  readonly vramGb: number | null;
  /** GPU memory bandwidth, GB/s; null when unknown. */
  readonly memoryBandwidthGBps: number | null;
  /** The box at the wall while generating. */
  readonly loadWatts: number;
  /** The box at the wall while on and idle. */
  readonly idleWatts: number;
  /** Prefill, one request at a time. */
  readonly promptTokensPerSecond: number;
  /** Generation, one request at a time. */
  readonly outputTokensPerSecond: number;
}

export const hardwareCatalogSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected an id of letters, digits, - or _'), hardwareEntrySchema);

export type HardwareCatalog = z.infer<typeof hardwareCatalogSchema>;

/** config/hardware.yaml at the package root: three levels up from both src/planning/roi/ and dist/planning/roi/. */
export const BUILT_IN_HARDWARE_PATH = fileURLToPath(new URL('../../../config/hardware.yaml', import.meta.url));

/** The catalogue or an override is unusable; `issues` name the path and what was expected. */
export class HardwareCatalogError extends Error {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`Invalid hardware catalogue (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'HardwareCatalogError';
    this.issues = issues;
  }
}

export async function loadHardwareCatalog(path: string = BUILT_IN_HARDWARE_PATH): Promise<HardwareCatalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HardwareCatalogError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parseHardwareCatalog(text, path);
}

export function parseHardwareCatalog(text: string, source: string): HardwareCatalog {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new HardwareCatalogError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = hardwareCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new HardwareCatalogError(source, parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`));
  }
  return parsed.data;
}

/**
 * The options to compare, in catalogue order then new ids in config order: each config entry over
 * the catalogue's entry of the same id, watts left out taken from `pricing.local` (the machine
 * Tollgate already runs on). A new id missing a field is an error naming `planning.hardware.<id>`.
 */
export function resolveHardwareOptions(catalog: HardwareCatalog, overrides: Readonly<Record<string, Partial<HardwareEntry>>>, local: Pick<LocalCostConfig, 'gpuWatts' | 'idleWatts'>): HardwareOption[] {
  const ids = [...new Set([...Object.keys(catalog), ...Object.keys(overrides)])];
  const issues: string[] = [];
  const options: HardwareOption[] = [];
  for (const id of ids) {
    const defined = Object.fromEntries(Object.entries(overrides[id] ?? {}).filter(([, value]) => value !== undefined));
    const merged = hardwareEntrySchema.safeParse({ ...catalog[id], ...defined });
    if (!merged.success) {
      const where = catalog[id] === undefined ? `planning.hardware.${id}` : `planning.hardware.${id} (over config/hardware.yaml)`;
      for (const issue of merged.error.issues) issues.push(`${where}.${issue.path.map(String).join('.')}: ${issue.message}${catalog[id] === undefined ? ' (a new hardware option must give every field)' : ''}`);
      continue;
    }
    const entry = merged.data;
    options.push({
      id,
      name: entry.name,
      priceUsd: entry.priceUsd,
      vramGb: entry.vramGb ?? null,
      memoryBandwidthGBps: entry.memoryBandwidthGBps ?? null,
      loadWatts: entry.loadWatts ?? local.gpuWatts,
      idleWatts: entry.idleWatts ?? local.idleWatts ?? 0,
      promptTokensPerSecond: entry.promptTokensPerSecond,
      outputTokensPerSecond: entry.outputTokensPerSecond,
    });
  }
  if (issues.length > 0) throw new HardwareCatalogError('planning.hardware', issues);
  return options;
}
