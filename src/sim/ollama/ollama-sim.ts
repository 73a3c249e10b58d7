import { goTimestamp, isRecord } from '../common/http-util.js';
import type { BodyPlan, ResponsePlan } from '../common/response-plan.js';
import { jsonPlan, textPlan } from '../common/response-plan.js';
import { ScriptBook } from '../common/rule-book.js';
import { startSimServer } from '../common/sim-server.js';
import type { RequestFacts, SimContext, SimRequest, SimService } from '../common/sim-server.js';
import type { SimOptions, SimServer } from '../common/sim-types.js';
import { DEFAULT_OLLAMA_MODELS, normalizeOllamaName, OllamaCatalogue } from './ollama-catalogue.js';
import { completionFacts, handleCompletion } from './ollama-completion.js';
import type { OllamaEnv } from './ollama-completion.js';
import { handleEmbed } from './ollama-embed.js';
import { ps, pull, remove, show, tags } from './ollama-model-routes.js';
import type { ModelRoutesEnv } from './ollama-model-routes.js';
import { OllamaScheduler } from './ollama-scheduler.js';

export interface OllamaSimOptions extends SimOptions {
  /** Concurrent requests per loaded model (OLLAMA_NUM_PARALLEL), default 1. */
  numParallel?: number;
  /** Waiting requests before 503 (OLLAMA_MAX_QUEUE), default 512. */
  maxQueue?: number;
  /** Model load time on first use and after keep-alive expiry, default 0. */
  loadTimeMs?: number;
  /** Default residency after a request (OLLAMA_KEEP_ALIVE), default 5 min; per-request `keep_alive` overrides. */
  keepAliveMs?: number;
  /** Reported by /api/version, default "0.12.0". */
  version?: string;
  /** Models the simulated registry offers to /api/pull; others fail as a real missing manifest does. Default: any valid name. */
  registry?: string[];
}

const QUEUE_FULL = 'server busy, please try again.  maximum pending requests exceeded';
const RUN_ERROR = 'an error was encountered while running the model';

/** Default messages when a `status` fault gives none. */
function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'bad request';
    case 401:
      return 'unauthorized';
    case 404:
      return 'model not found';
    case 429:
      return 'too many requests';
    case 499:
      return 'request canceled';
    case 502:
      return 'bad gateway';
    case 503:
      return QUEUE_FULL;
    default:
      return status >= 500 ? RUN_ERROR : 'request failed';
  }
}

/** Ollama's error body: `{"error":"..."}` (no Retry-After in reality; a fault may ask for one). */
function ollamaError(status: number, message?: string, retryAfterSeconds?: number): BodyPlan {
  const headers = retryAfterSeconds === undefined ? undefined : { 'retry-after': String(retryAfterSeconds) };
  return jsonPlan(status, { error: message ?? defaultMessage(status) }, headers);
}

class OllamaService implements SimService {
  readonly scripts = new ScriptBook(normalizeOllamaName);
  private readonly lifetime = new AbortController();
  private readonly env: OllamaEnv & ModelRoutesEnv;
  private seedCounter = 0;

  constructor(private readonly options: OllamaSimOptions) {
    const catalogue = new OllamaCatalogue(options.models ?? DEFAULT_OLLAMA_MODELS);
    const scheduler = new OllamaScheduler(
      {
        numParallel: Math.max(1, options.numParallel ?? 1),
        maxQueue: Math.max(0, options.maxQueue ?? 512),
        loadTimeMs: options.loadTimeMs ?? 0,
        defaultKeepAliveMs: options.keepAliveMs ?? 5 * 60_000,
        // Ollama picks 4k on small GPUs; set num_ctx per request to change it.
        defaultContextLength: 4_096,
      },
      this.lifetime.signal,
    );
    this.env = {
      catalogue,
      scheduler,
      errorPlan: (status, message) => ollamaError(status, message),
      ...(options.registry ? { inRegistry: inRegistry(options.registry) } : {}),
      nextSeed: () => ((options.seed ?? 42) * 7919 + ++this.seedCounter) >>> 0,
    };
  }

  normalizeModel(model: string): string {
    return normalizeOllamaName(model);
  }

  describe(req: SimRequest): RequestFacts {
    const body = req.json.ok ? req.json.value : undefined;
    if (req.path === '/api/chat') return completionFacts('chat', body);
    if (req.path === '/api/generate') return completionFacts('generate', body);
    const record = isRecord(body) ? body : {};
    const name = typeof record.model === 'string' && record.model !== '' ? record.model : record.name;
    return {
      model: typeof name === 'string' && name !== '' ? normalizeOllamaName(name) : undefined,
      stream: req.path === '/api/pull' && record.stream !== false,
    };
  }

  baseHeaders(): Record<string, string> {
    return {};
  }

  errorPlan(_req: SimRequest, status: number, message?: string, retryAfterSeconds?: number): BodyPlan {
    return ollamaError(status, message, retryAfterSeconds);
  }

  streamErrorFrame(): string {
    return `${JSON.stringify({ error: RUN_ERROR })}\n`;
  }

  midStreamErrorPlan(): BodyPlan {
    return ollamaError(500, RUN_ERROR);
  }

  malformedPlan(_req: SimRequest, stream: boolean): ResponsePlan {
    const broken = `{"model":"llama3.2","created_at":"${goTimestamp()}","message":{"role":"assistant","content":"Hel`;
    if (!stream) return { kind: 'body', status: 200, contentType: 'application/json; charset=utf-8', body: broken };
    return { kind: 'stream', contentType: 'application/x-ndjson', headersEarly: true, prelude: [`${broken}\n`], body: [], finish: () => [] };
  }

  async handle(req: SimRequest, ctx: SimContext): Promise<void> {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /':
      case 'HEAD /':
        return ctx.send(textPlan(200, 'Ollama is running'));
      case 'GET /api/version':
      case 'HEAD /api/version':
        return ctx.send(jsonPlan(200, { version: this.options.version ?? '0.12.0' }));
      case 'GET /api/tags':
      case 'HEAD /api/tags':
        return ctx.send(tags(this.env));
      case 'GET /api/ps':
        return ctx.send(ps(this.env));
      case 'POST /api/show':
        return ctx.send(show(req, this.env));
      case 'DELETE /api/delete':
        return ctx.send(remove(req, this.env));
      case 'POST /api/pull':
        return pull(req, ctx, this.env);
      case 'POST /api/chat':
        return handleCompletion('chat', req, ctx, this.env);
      case 'POST /api/generate':
        return handleCompletion('generate', req, ctx, this.env);
      case 'POST /api/embed':
        return handleEmbed(false, req, ctx, this.env);
      case 'POST /api/embeddings':
        return handleEmbed(true, req, ctx, this.env);
      default:
        // gin's default for unknown routes and methods.
        return ctx.send(textPlan(404, '404 page not found'));
    }
  }

  close(): void {
    this.lifetime.abort();
  }
}

function inRegistry(names: readonly string[]): (name: string) => boolean {
  const offered = new Set(names.map(normalizeOllamaName));
  return (name) => offered.has(normalizeOllamaName(name));
}

/** Starts a simulated Ollama server (native `/api/*`). */
export function startOllamaSim(options: OllamaSimOptions = {}): Promise<SimServer> {
  return startSimServer(options, new OllamaService(options));
}
