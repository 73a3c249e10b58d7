import { z } from 'zod';
import { routingConfigSchema } from '../routing/routing-config-schema.js';
import { ledgerConfigSchema } from '../ledger/ledger-config-schema.js';
import { pricingConfigSchema } from '../pricing/pricing-config-schema.js';
import { budgetsConfigSchema, rateLimitsConfigSchema } from '../auth/auth-config-schema.js';
import { monitorConfigSchema } from '../monitor/monitor-config-schema.js';
import { planningConfigSchema } from '../planning/roi/planning-config-schema.js';
import { trialConfigSchema } from '../planning/scorecard/trial-config-schema.js';

/**
 * The one schema for `tollgate.yaml`. The config type is inferred from it, so the schema is
 * the documentation of record: every field says what it is for and what it defaults to.
 */

const byteSize = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 10mb or 1048576')])
  .transform((value) => (typeof value === 'number' ? value : parseByteSize(value)));

function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  const amount = Number(match?.[1] ?? 0);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.round(amount * factor);
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const providerName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected a name of letters, digits, - or _');

const providerBase = {
  /** Extra headers sent with every upstream request (e.g. a proxy's auth). */
  headers: z.record(z.string(), z.string()).optional(),
};

/**
 * A local host's capacity, mirroring the server's own limits (Ollama: OLLAMA_NUM_PARALLEL and a
 * short queue). Past it, requests overflow to the next target instead of waiting: one GPU must
 * never become the bottleneck that makes callers wait.
 */
const localCapacity = {
  /** Requests running at once on this host (set it to the server's parallel slots). */
  maxInFlight: z.number().int().positive().default(1),
  /** Requests allowed to wait for a slot (each for at most the rule's queueWaitMs). */
  maxQueue: z.number().int().nonnegative().default(2),
};

/** Where an Ollama provider's requests go: one server, or a pool balanced per call. */
type OllamaHosts = { readonly baseUrl: string; readonly hosts?: undefined } | { readonly baseUrl?: undefined; readonly hosts: string[] };

/**
 * One Ollama server (`baseUrl`, default http://localhost:11434) or several serving as one provider
 * (`hosts`), each call going to the host that has the model loaded, then to the least busy one.
 * For a pool, `maxInFlight` and `maxQueue` are PER HOST (set them to each server's
 * OLLAMA_NUM_PARALLEL and queue): the gateway admits `maxInFlight × hosts` requests at once.
 */
const ollamaProviderSchema = z
  .object({
    type: z.literal('ollama'),
    baseUrl: url.optional(),
    /** A pool: at least one base URL; give this or `baseUrl`, not both. */
    hosts: z.array(url).min(1, 'expected at least one host URL').optional(),
    /**
     * GPU memory per host in GB (GiB), for the loadability gate: a pulled model that is not loaded
     * counts as servable when it fits in this minus what loaded models hold. Unset: pulled is enough.
     */
    vramGb: z.number().positive().optional(),
    /** How stale the gateway lets its view of each host's loaded and pulled models get (read only while requests arrive). */
    refreshSeconds: z.number().positive().default(5),
    ...providerBase,
    ...localCapacity,
  })
  .strict()
  .refine((settings) => settings.baseUrl === undefined || settings.hosts === undefined, {
    message: 'expected either baseUrl or hosts, not both',
    path: ['hosts'],
  })
  .transform(({ baseUrl, hosts, ...rest }): typeof rest & OllamaHosts =>
    hosts !== undefined ? { ...rest, hosts } : { ...rest, baseUrl: baseUrl ?? 'http://localhost:11434' },
  );

export const providerConfigSchema = z.discriminatedUnion('type', [
  ollamaProviderSchema,
  z.object({
    type: z.literal('openai'),
    baseUrl: url.default('https://api.openai.com/v1'),
    apiKey: z.string().min(1, 'expected an API key'),
    organization: z.string().optional(),
    project: z.string().optional(),
    ...providerBase,
  }).strict(),
  z.object({
    /** vLLM, llama.cpp server, LM Studio, Ollama's /v1: any server speaking OpenAI Chat Completions. */
    type: z.literal('openai-compatible'),
    baseUrl: url,
    apiKey: z.string().optional(),
    ...providerBase,
    ...localCapacity,
  }).strict(),
  z.object({
    type: z.literal('anthropic'),
    baseUrl: url.default('https://api.anthropic.com'),
    apiKey: z.string().min(1, 'expected an API key'),
    version: z.string().default('2023-06-01'),
    /** Anthropic requires max_tokens; used when an OpenAI-dialect client sends none. */
    defaultMaxTokens: z.number().int().positive().default(4096),
    ...providerBase,
  }).strict(),
]);

/** `provider/model`, e.g. `ollama/qwen2.5:7b`. The provider part must name a configured provider. */
const targetRef = z.string().regex(/^[a-z0-9][a-z0-9_-]*\/.+$/i, 'expected a target of the form provider/model');

export const modelAliasSchema = z.union([
  targetRef.transform((target) => ({ target })),
  z.object({
    target: targetRef,
    /** Ollama context window for this alias (`options.num_ctx`). Set it: Ollama's default varies by version and VRAM. */
    numCtx: z.number().int().positive().optional(),
    /** How long Ollama keeps the model loaded after a call (`10m`, `24h`, seconds, -1 = forever). */
    keepAlive: z.union([z.string(), z.number()]).optional(),
    description: z.string().optional(),
  }).strict(),
], { error: 'expected provider/model, or an object with target: provider/model' });

export const configSchema = z.object({
  server: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(4000),
    /** Largest request body accepted; larger ones get 413. */
    bodyLimit: byteSize.default(10 * 1024 * 1024),
    /** Seconds to let in-flight requests finish on shutdown. */
    shutdownGraceSeconds: z.number().nonnegative().default(10),
  }).strict().prefault({}),
  /** Read once at start: a reload does not change the logger. */
  logging: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * Log each chat request's messages at debug, with its request id. Off by default: prompts are
     * the caller's data, and with it off no prompt, response or key reaches the logs at any level.
     */
    prompts: z.boolean().default(false),
  }).strict().prefault({}),
  /** Admin API (kill switch, reload). The key may also come from TOLLGATE_ADMIN_KEY. */
  admin: z.object({
    key: z.string().min(16, 'expected an admin key of at least 16 characters').optional(),
  }).strict().prefault({}),
  /**
   * `GET /metrics` (Prometheus). It answers the admin key (or loopback callers when there is none)
   * and, when set, this token as `Authorization: Bearer <token>`: a scraper gets read-only access
   * without holding the admin key.
   */
  metrics: z.object({
    token: z.string().min(16, 'expected a metrics token of at least 16 characters').optional(),
  }).strict().prefault({}),
  /** Circuit breakers, one per target. */
  execution: z.object({
    breaker: z.object({
      /** Consecutive failures that open a target's breaker. */
      failureThreshold: z.number().int().positive().default(5),
      /** Seconds an open breaker waits before letting one probe through. */
      cooldownSeconds: z.number().positive().default(30),
    }).strict().prefault({}),
  }).strict().prefault({}),
  /** Upstreams by name. Only these are ever called: no request can name a URL. */
  providers: z.record(providerName, providerConfigSchema).default({}),
  /** Which target each request goes to, and what happens when it fails. */
  routing: routingConfigSchema.prefault({}),
  /** Model aliases clients may use as `model`, each pointing at `provider/model`. */
  models: z.record(z.string().min(1), modelAliasSchema).default({}),
  /** Where every request's record goes. */
  ledger: ledgerConfigSchema.prefault({}),
  /** Cloud list prices (overrides and additions), the reference model for savings, local energy cost. */
  pricing: pricingConfigSchema.prefault({}),
  /** Spend limits per key, team and globally. */
  budgets: budgetsConfigSchema.prefault({}),
  /** Requests and tokens per minute per key; in memory, or in Redis shared by several gateways. */
  rateLimits: rateLimitsConfigSchema.prefault({}),
  /** Health polling of local hosts, traffic-based health of cloud providers, uptime history. */
  monitor: monitorConfigSchema.prefault({}),
  /** The ROI planner's assumptions: hardware options over config/hardware.yaml, electricity, maintenance, growth. */
  planning: planningConfigSchema.extend({
    /** The trial the scorecard judges (`tollgate scorecard`): its window and success criteria. */
    trial: trialConfigSchema.prefault({}),
  }).prefault({}),
}).strict();

export type TollgateConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type ModelAliasConfig = z.infer<typeof modelAliasSchema>;
export type ConfigInput = z.input<typeof configSchema>;
