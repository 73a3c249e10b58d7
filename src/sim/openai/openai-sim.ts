import { headerValue, isRecord } from '../common/http-util.js';
import { PrefixCache } from '../common/prefix-cache.js';
import type { BodyPlan, ResponsePlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import { ScriptBook } from '../common/rule-book.js';
import { startSimServer } from '../common/sim-server.js';
import type { RequestFacts, SimContext, SimRequest, SimService } from '../common/sim-server.js';
import { SSE_CONTENT_TYPE, sseData } from '../common/sse.js';
import type { KeyedSimOptions, SimServer } from '../common/sim-types.js';
import { hashString } from '../common/text-generator.js';
import { chatFacts, handleChat } from './openai-chat.js';
import type { OpenAIChatEnv } from './openai-chat.js';
import { handleEmbeddings } from './openai-embeddings.js';
import { OPENAI_STREAM_ERROR, openAIError } from './openai-errors.js';

export type OpenAISimOptions = KeyedSimOptions;

export const DEFAULT_OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'text-embedding-3-small'];

function identity(model: string): string {
  return model;
}

class OpenAIService implements SimService {
  readonly scripts = new ScriptBook(identity);
  private readonly models: ReadonlySet<string>;
  private readonly chatEnv: OpenAIChatEnv;
  private counter = 0;

  constructor(private readonly options: OpenAISimOptions) {
    this.models = new Set(options.models ?? DEFAULT_OPENAI_MODELS);
    const seed = options.seed ?? 42;
    this.chatEnv = { models: this.models, cache: new PrefixCache(), nextSeed: () => (seed * 7919 + ++this.counter) >>> 0 };
  }

  normalizeModel(model: string): string {
    return model;
  }

  describe(req: SimRequest): RequestFacts {
    if (req.path === '/v1/chat/completions') return chatFacts(req.json.ok ? req.json.value : undefined);
    const body = req.json.ok && isRecord(req.json.value) ? req.json.value : {};
    const fromPath = /^\/v1\/models\/(.+)$/.exec(req.path)?.[1];
    const model = typeof body.model === 'string' ? body.model : fromPath === undefined ? undefined : decodeURIComponent(fromPath);
    return { model, stream: false };
  }

  baseHeaders(req: SimRequest): Record<string, string> {
    return {
      'x-request-id': `req_${req.id}`,
      'openai-organization': 'user-tollgate-sim',
      'openai-processing-ms': '1',
      'openai-version': '2020-10-01',
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-limit-tokens': '30000000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-remaining-tokens': '29999000',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-reset-tokens': '2ms',
    };
  }

  errorPlan(_req: SimRequest, status: number, message?: string, retryAfterSeconds?: number): BodyPlan {
    return openAIError(status, { message, retryAfterSeconds });
  }

  streamErrorFrame(): string {
    return sseData({ error: OPENAI_STREAM_ERROR });
  }

  midStreamErrorPlan(): BodyPlan {
    return openAIError(500);
  }

  malformedPlan(_req: SimRequest, stream: boolean): ResponsePlan {
    const broken = '{"id":"chatcmpl-sim","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"content":"Hel';
    if (!stream) return { kind: 'body', status: 200, contentType: 'application/json', body: broken };
    return { kind: 'stream', contentType: SSE_CONTENT_TYPE, headersEarly: true, prelude: [`data: ${broken}\n\n`], body: [], finish: () => [] };
  }

  async handle(req: SimRequest, ctx: SimContext): Promise<void> {
    const auth = this.checkKey(req);
    if (auth) return ctx.send(auth);
    if (req.method === 'POST' && req.path === '/v1/chat/completions') return handleChat(req, ctx, this.chatEnv);
    if (req.method === 'POST' && req.path === '/v1/embeddings') return ctx.send(handleEmbeddings(req, this.models));
    if (req.method === 'GET' && req.path === '/v1/models') {
      return ctx.send(jsonPlan(200, { object: 'list', data: [...this.models].map((id) => this.modelObject(id)) }));
    }
    const modelPath = /^\/v1\/models\/(.+)$/.exec(req.path)?.[1];
    if (req.method === 'GET' && modelPath !== undefined) {
      const id = decodeURIComponent(modelPath);
      if (this.models.has(id)) return ctx.send(jsonPlan(200, this.modelObject(id)));
      return ctx.send(openAIError(404, { message: `The model '${id}' does not exist`, param: 'model', code: 'model_not_found' }));
    }
    return ctx.send(openAIError(404, { message: `Invalid URL (${req.method} ${req.path})`, code: null }));
  }

  private modelObject(id: string): Record<string, unknown> {
    // A stable made-up creation time per id, in the range the real ones fall in.
    return { id, object: 'model', created: 1_700_000_000 + (hashString(id) % 50_000_000), owned_by: 'system' };
  }

  /** 401 in OpenAI's words when an apiKey is configured and the request lacks it. */
  private checkKey(req: SimRequest): BodyPlan | undefined {
    if (this.options.apiKey === undefined) return undefined;
    const header = headerValue(req.headers, 'authorization');
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (key === this.options.apiKey) return undefined;
    if (key === undefined || key === '') {
      return openAIError(401, {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        code: null,
      });
    }
    const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(Math.max(0, key.length - 7))}${key.slice(-4)}` : '***';
    return openAIError(401, { message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, code: 'invalid_api_key' });
  }
}

/** Starts a simulated OpenAI API (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`). */
export function startOpenAISim(options: OpenAISimOptions = {}): Promise<SimServer> {
  return startSimServer(options, new OpenAIService(options));
}
