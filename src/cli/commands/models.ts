import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, type TollgateConfig } from '../../config/index.js';
import { parseTime } from '../../ledger/reports.js';
import { openLedgerStore, parseLedgerUrl } from '../../ledger/store/index.js';
import { UpstreamClient } from '../../providers/shared/upstream-client.js';
import {
  BYTES_PER_GB,
  buildFitCandidates,
  buildModelInventory,
  collectModelUses,
  contextResolver,
  describeFromHosts,
  fitModels,
  loadModelSpecs,
  lookupBits,
  ollamaHostsOf,
  pullOllamaModel,
  readMeasuredRates,
  readOllamaHost,
  resolveFitGpu,
  type MeasuredRate,
  type ModelFit,
  type ModelFitReport,
  type ModelInventory,
  type PullState,
} from '../../planning/model-fit/index.js';
import { loadHardwareCatalog, resolveHardwareOptions } from '../../planning/roi/hardware-catalog.js';
import { parseNumber, plainWhenPiped } from '../shared.js';

/** How long `models` and `models fit` wait for a host before calling it unreachable. */
const HOST_TIMEOUT_MS = 5_000;
/** num_ctx when neither --context nor an alias's numCtx says. */
const DEFAULT_CONTEXT = 8_192;

interface ListOptions {
  config?: string;
  format: 'table' | 'json';
}

interface PullOptions {
  config?: string;
  host?: string;
}

interface FitOptions {
  config?: string;
  gpu?: string;
  vramGb?: number;
  bandwidthGbps?: number;
  context?: number;
  parallel: number;
  kvCache: string;
  overheadGb?: number;
  efficiency?: number;
  since: string;
  format: 'table' | 'json';
}

/**
 * `tollgate models`: what each Ollama host has and which aliases and rules use it (and what they
 * use that no host has); `models pull NAME` through Ollama's /api/pull with a progress bar;
 * `models fit --gpu "RTX 3090"`: memory, fit and speed of the recommended and configured models.
 */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('Local models: what each Ollama host has and who uses it, pull one, what fits a GPU');

  models
    .command('list', { isDefault: true })
    .description('The models of every configured Ollama host (size, quantisation, loaded or not) with the aliases and rules that use them, and configured models no host has')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .option('--format <format>', 'table | json', parseFormat, 'table' as const)
    .action(async (options: ListOptions) => {
      const { config, source } = await loadConfig({ path: options.config });
      const hosts = ollamaHostsOf(config);
      const signal = AbortSignal.timeout(HOST_TIMEOUT_MS);
      const readings = await Promise.all(hosts.map((host) => readOllamaHost(host, { signal })));
      const inventory = buildModelInventory(readings, collectModelUses(config));
      if (options.format === 'json') console.log(JSON.stringify({ config: source, ...inventory }, null, 2));
      else console.log(renderInventory(inventory, source));
    });

  models
    .command('pull')
    .description("Pull a model onto an Ollama host through its /api/pull, with a progress bar")
    .argument('<model>', 'the Ollama name, e.g. qwen2.5:7b')
    .option('--host <url>', 'the Ollama server (default: the first Ollama host of the config)')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .action(async (model: string, options: PullOptions) => {
      const { config } = await loadConfig({ path: options.config });
      const hosts = ollamaHostsOf(config);
      const url = (options.host ?? hosts[0]?.url)?.replace(/\/+$/, '');
      if (url === undefined) throw new Error('No Ollama host in the config: give --host http://<host>:11434.');
      const known = hosts.find((host) => host.url === url);
      const client = new UpstreamClient({ provider: known?.provider ?? 'ollama', baseUrl: url, headers: known?.headers ?? {} });
      const bar = new SingleBar(
        {
          format: '{status} [{bar}] {percentage}% | {done} / {size}',
          // The cursor stays visible: a hidden one would stay hidden after Ctrl-C.
          hideCursor: false,
          emptyOnZero: true,
          // Piped (CI logs, tests): a line at the start, every 2 s and at the end, instead of nothing.
          noTTYOutput: true,
          notTTYSchedule: 2_000,
          clearOnComplete: process.stderr.isTTY !== true,
        },
        Presets.shades_classic,
      );
      console.log(`Pulling ${model} on ${url}`);
      bar.start(0, 0, { status: 'starting'.padEnd(23), done: formatBytes(0), size: formatBytes(0) });
      const show = (state: PullState) => {
        bar.setTotal(state.totalBytes);
        // A fixed width, so the bar does not jump as the status changes (`pulling 8eeb52dfb3bb`, `verifying sha256 digest`).
        bar.update(state.completedBytes, { status: state.status.padEnd(23), done: formatBytes(state.completedBytes), size: formatBytes(state.totalBytes) });
      };
      try {
        const state = await pullOllamaModel(client, model, { onProgress: show });
        show(state);
        bar.stop();
        console.log(`${model} is on ${url} (${formatBytes(state.totalBytes)}).`);
      } catch (error) {
        bar.stop();
        throw new Error(`Could not pull ${model} on ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      } finally {
        await client.close();
      }
    });

  models
    .command('fit')
    .description('GPU memory each recommended and configured model needs (weights + KV cache + overhead), whether it fits, and tokens per second (measured in the ledger, else estimated)')
    .option('--gpu <name>', 'a GPU of the hardware catalogue (config/hardware.yaml, planning.hardware), e.g. "RTX 3090"')
    .option('--vram-gb <GiB>', 'GPU memory, for a GPU the catalogue lacks or to override it', parsePositive)
    .option('--bandwidth-gbps <GB/s>', 'memory bandwidth, for the speed estimate', parsePositive)
    .option('--context <tokens>', `context length (num_ctx) for every model (default: an alias's numCtx, else ${DEFAULT_CONTEXT})`, parsePositiveInteger)
    .option('--parallel <n>', 'requests served at once per model (OLLAMA_NUM_PARALLEL): the KV cache is per slot', parsePositiveInteger, 1)
    .option('--kv-cache <type>', 'KV cache type (OLLAMA_KV_CACHE_TYPE): f16, q8_0, q4_0', 'f16')
    .option('--overhead-gb <GiB>', 'runtime overhead per loaded model (default: config/model-specs.yaml)', parseNumber)
    .option('--efficiency <share>', 'share of peak bandwidth decoding reaches (default: config/model-specs.yaml)', parseShare)
    .option('--since <time>', 'ledger window for measured speeds: 30d, 24h, an ISO date', '30d')
    .option('--format <format>', 'table | json', parseFormat, 'table' as const)
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .action(async (options: FitOptions) => {
      const { config, source } = await loadConfig({ path: options.config });
      const specs = await loadModelSpecs();
      const hardware = resolveHardwareOptions(await loadHardwareCatalog(), config.planning.hardware, config.pricing.local);
      const gpu = resolveFitGpu(hardware, {
        ...(options.gpu !== undefined ? { gpu: options.gpu } : {}),
        ...(options.vramGb !== undefined ? { vramGb: options.vramGb } : {}),
        ...(options.bandwidthGbps !== undefined ? { bandwidthGBps: options.bandwidthGbps } : {}),
      });
      const kvBitsPerElement = lookupBits(specs.kvCacheTypes, options.kvCache);
      if (kvBitsPerElement === undefined) throw new Error(`Unknown --kv-cache ${options.kvCache}: use ${Object.keys(specs.kvCacheTypes).join(', ')}.`);

      const uses = collectModelUses(config);
      const candidates = await buildFitCandidates({
        specs,
        uses,
        contextOf: contextResolver(config, options.context, DEFAULT_CONTEXT),
        describe: describeFromHosts(ollamaHostsOf(config), { signal: AbortSignal.timeout(HOST_TIMEOUT_MS) }),
      });
      const now = Date.now();
      const since = parseTime(options.since, now);
      const ledger = await measuredFromLedger(config, { since, until: now + 1 });
      const report = fitModels({
        candidates,
        gpu,
        settings: {
          quantizations: specs.quantizations,
          kvCacheType: options.kvCache,
          kvBitsPerElement,
          parallel: options.parallel,
          overheadBytes: Math.round((options.overheadGb ?? specs.overheadGb) * BYTES_PER_GB),
          efficiency: options.efficiency ?? specs.efficiency,
        },
        measured: ledger.rates,
      });
      const window = { since: new Date(since).toISOString(), until: new Date(now).toISOString() };
      if (options.format === 'json') console.log(JSON.stringify({ config: source, ledger: { ...window, note: ledger.note }, ...report }, null, 2));
      else console.log(renderFit(report, { ...window, note: ledger.note }));
    });
}

/** Measured rates from the config's ledger, or none with the reason (no ledger yet: never create one just to read it). */
async function measuredFromLedger(config: TollgateConfig, window: { since: number; until: number }): Promise<{ rates: Map<string, MeasuredRate>; note: string | null }> {
  const location = parseLedgerUrl(config.ledger.url);
  if (location.kind === 'sqlite' && (location.path === ':memory:' || !existsSync(location.path))) {
    return { rates: new Map(), note: `no ledger at ${location.path} yet` };
  }
  try {
    const store = await openLedgerStore(config.ledger.url);
    try {
      return { rates: await readMeasuredRates(store, window), note: null };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { rates: new Map(), note: `ledger unreadable (${error instanceof Error ? error.message : String(error)})` };
  }
}

export function renderInventory(inventory: ModelInventory, source: string): string {
  if (inventory.hosts.length === 0) return `No Ollama provider in ${source}.`;
  const table = new Table({
    ...plainWhenPiped(),
    head: ['host', 'model', 'size', 'quant', 'params', 'loaded', 'used by'],
    colAligns: ['left', 'left', 'right', 'left', 'left', 'left', 'left'],
  });
  for (const host of inventory.hosts) {
    const where = `${host.provider}\n${host.url}`;
    if (!host.reachable) {
      table.push([where, { colSpan: 6, content: `unreachable: ${host.error ?? 'no answer'}` }]);
      continue;
    }
    if (host.models.length === 0) table.push([where, { colSpan: 6, content: 'no models pulled' }]);
    host.models.forEach((model, index) => {
      // The host once, spanning its models' rows.
      const hostCell = index === 0 ? [{ rowSpan: host.models.length, content: where }] : [];
      table.push([
        ...hostCell,
        model.name,
        model.size === null ? '–' : formatBytes(model.size),
        model.quantization ?? '–',
        [model.parameterSize, model.family].filter((part) => part !== null).join(' ') || '–',
        model.loaded ? `yes${model.vramBytes !== null ? `, ${formatBytes(model.vramBytes)} VRAM` : ''}` : 'no',
        model.usedBy.join(', ') || '–',
      ]);
    });
  }
  const lines = [table.toString()];
  for (const missing of inventory.missing) {
    lines.push(`missing: ${missing.provider}/${missing.model} is used by ${missing.usedBy.join(', ')} but ${missing.url} does not have it: ${missing.command}`);
  }
  for (const unchecked of inventory.unchecked) {
    lines.push(`unchecked: ${unchecked.provider}/${unchecked.model} (used by ${unchecked.usedBy.join(', ')}): no host of ${unchecked.provider} answered`);
  }
  if (inventory.missing.length === 0 && inventory.unchecked.length === 0) lines.push('Every model the config uses is on its hosts.');
  return lines.join('\n');
}

export function renderFit(report: ModelFitReport, ledger: { since: string; until: string; note: string | null }): string {
  const { gpu, settings } = report;
  const table = new Table({
    ...plainWhenPiped(),
    head: ['model', 'quant', 'context', 'weights', 'KV cache', 'overhead', 'total', `fits ${gbShort(gpu.vramBytes)} GiB`, 'tokens/s', 'used by'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'left'],
  });
  for (const model of report.models) {
    const memory = model.memory;
    table.push([
      model.label,
      model.quantization ?? '?',
      memory === null ? '–' : memory.contextTokens.toLocaleString('en-US'),
      memory === null ? '–' : gb(memory.weightsBytes),
      memory === null ? '–' : gb(memory.kvCacheBytes),
      memory === null ? '–' : gb(memory.overheadBytes),
      memory === null ? '–' : gb(memory.totalBytes),
      fitCell(model),
      speedCell(model),
      model.usedBy.join(', ') || (model.recommended ? 'recommended' : '–'),
    ]);
  }
  const bandwidth = gpu.bandwidthGBps !== undefined ? `, ${gpu.bandwidthGBps} GB/s` : ', bandwidth unknown';
  const lines = [`${gpu.name}: ${gbShort(gpu.vramBytes)} GiB${bandwidth}. Sizes in GiB.`, table.toString()];
  for (const model of report.models) {
    const notes = [model.note, model.speed.kind === 'none' && model.memory !== null ? model.speed.reason : null].filter((note) => note !== null);
    if (notes.length > 0) lines.push(`${model.model}: ${notes.join('; ')}`);
  }
  const together = report.together;
  if (together.models.length > 1) {
    lines.push(`Loaded together, ${together.models.join(' + ')} need ${gb(together.totalBytes)} GiB: ${together.fits ? 'they fit at once' : 'not at once (Ollama swaps them in and out)'}.`);
  }
  lines.push(
    `memory = weights (parameters × bits per weight ÷ 8) + KV cache (2 × layers × context × KV heads × head dim × ${settings.kvBitsPerElement / 8} bytes (${settings.kvCacheType}) × ${settings.parallel} parallel) + ${gb(settings.overheadBytes)} GiB overhead per model (assumed: CUDA context, compute buffer, Ollama's 457 MiB reserve; config/model-specs.yaml)`,
  );
  const estimate = gpu.bandwidthGBps !== undefined ? `${gpu.bandwidthGBps} GB/s × ${settings.efficiency} ÷ weights (decoding reads every weight once per token)` : 'needs the GPU\'s memory bandwidth (--bandwidth-gbps)';
  lines.push(`tokens/s: measured = output tokens ÷ generation time in the ledger, ${ledger.since} → ${ledger.until}, on your own hosts whatever --gpu says${ledger.note ? ` (${ledger.note})` : ''}; estimate = ${estimate}`);
  return lines.join('\n');
}

function fitCell(model: ModelFit): string {
  if (model.fits === null || model.freeBytes === null) return 'unknown';
  return model.fits ? `yes, ${gb(model.freeBytes)} free` : `no, ${gb(-model.freeBytes)} short`;
}

function speedCell(model: ModelFit): string {
  const speed = model.speed;
  if (speed.kind === 'measured') return `${speed.tokensPerSecond.toFixed(1)} measured`;
  if (speed.kind === 'estimate') return `~${Math.round(speed.tokensPerSecond)} estimate`;
  return '–';
}

/** Binary gigabytes, two decimals. */
function gb(bytes: number): string {
  return (bytes / BYTES_PER_GB).toFixed(2);
}

/** Binary gigabytes without trailing zeros (a card's size: 24, 16, 12.5). */
function gbShort(bytes: number): string {
  return String(Number((bytes / BYTES_PER_GB).toFixed(2)));
}

/** Disk and transfer sizes as Ollama prints them: decimal units. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function parseFormat(value: string): 'table' | 'json' {
  if (value !== 'table' && value !== 'json') throw new InvalidArgumentError('expected table or json');
  return value;
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number above 0');
  return number;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return number;
}

function parseShare(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 1) throw new InvalidArgumentError('expected a share above 0 and at most 1');
  return number;
}
