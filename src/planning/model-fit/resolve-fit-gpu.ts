import type { HardwareOption } from '../roi/hardware-catalog.js';
import type { FitGpu } from './fit-models.js';

/** What the user asked for: a GPU of the hardware catalogue by id or name, and/or explicit figures. */
export interface GpuQuery {
  /** `RTX 3090`, `rtx-3090`, `GeForce RTX 4090`. */
  readonly gpu?: string;
  /** GiB; overrides the catalogue's, or stands alone for a GPU it does not list. */
  readonly vramGb?: number;
  /** GB/s; overrides the catalogue's. */
  readonly bandwidthGBps?: number;
}

/** The GPU cannot be resolved; the message says what to give instead. */
export class GpuNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuNotFoundError';
  }
}

/**
 * The GPU to fit models into: VRAM and name from the hardware catalogue (config/hardware.yaml with
 * `planning.hardware` over it, as the ROI planner reads it); `--vram-gb` and `--bandwidth-gbps`
 * override either.
 * Names match ignoring case, spaces, punctuation and a `GeForce`/`NVIDIA` prefix, also by prefix
 * (`RTX 3090` finds `RTX 3090 (used)`) when exactly one option matches.
 */
export function resolveFitGpu(catalog: readonly HardwareOption[], query: GpuQuery): FitGpu {
  const withBandwidth = (name: string, vramGb: number, catalogued?: number | null): FitGpu => {
    const bandwidthGBps = query.bandwidthGBps ?? catalogued ?? undefined;
    return { name, vramGb, ...(bandwidthGBps !== undefined ? { bandwidthGBps } : {}) };
  };
  if (query.gpu === undefined) {
    if (query.vramGb === undefined) throw new GpuNotFoundError(`Say which GPU: --gpu "<name>" (${describe(catalog)}) or --vram-gb <GiB>.`);
    return withBandwidth(`${query.vramGb} GB GPU`, query.vramGb);
  }
  const wanted = simplify(query.gpu);
  const exact = catalog.filter((option) => simplify(option.id) === wanted || simplify(option.name) === wanted);
  const matches = exact.length > 0 ? exact : catalog.filter((option) => simplify(option.name).startsWith(wanted) || simplify(option.id).startsWith(wanted));
  if (matches.length > 1) throw new GpuNotFoundError(`'${query.gpu}' matches ${matches.map((option) => option.name).join(', ')}: be more specific.`);
  const option = matches[0];
  if (option === undefined) {
    if (query.vramGb !== undefined) return withBandwidth(query.gpu, query.vramGb);
    throw new GpuNotFoundError(`'${query.gpu}' is not in the hardware catalogue (${describe(catalog)}): add --vram-gb <GiB> (and --bandwidth-gbps for a speed estimate), or add it under planning.hardware in tollgate.yaml.`);
  }
  const vramGb = query.vramGb ?? option.vramGb ?? undefined;
  if (vramGb === undefined) throw new GpuNotFoundError(`The hardware catalogue gives no VRAM for ${option.name}: add --vram-gb <GiB>.`);
  return withBandwidth(option.name, vramGb, option.memoryBandwidthGBps);
}

function simplify(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b(nvidia|geforce)\b/g, '')
    .replace(/[^a-z0-9]/g, '');
}

function describe(catalog: readonly HardwareOption[]): string {
  const named = catalog.filter((option) => option.vramGb !== null).map((option) => option.name);
  return named.length > 0 ? `the catalogue has ${named.join(', ')}` : 'the catalogue lists no GPU';
}
