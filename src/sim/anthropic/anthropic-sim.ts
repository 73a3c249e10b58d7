import { headerValue } from '../common/http-util.js';
import { PrefixCache } from '../common/prefix-cache.js';
import type { BodyPlan, ResponsePlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import { ScriptBook } from '../common/rule-book.js';
import { startSimServer } from '../common/sim-server.js';
import type { RequestFacts, SimContext, SimRequest, SimService } from '../common/sim-server.js';
import { SSE_CONTENT_TYPE, sseEvent } from '../common/sse.js';
import type { KeyedSimOptions, SimServer } from '../common/sim-types.js';
import { createRng, hashString, randomString } from '../common/text-generator.js';
import { anthropicError, anthropicErrorBody } from './anthropic-errors.js';
import { BASE58, handleCountTokens, handleMessages, messagesFacts } from './anthropic-messages.js';
import type { AnthropicModelInfo, MessagesEnv } from './anthropic-messages.js';

export interface AnthropicSimOptions extends KeyedSimOptions {
  /**
   * Smallest cached prefix (tokens) that the prompt cache stores. The real minimum is 1024–4096
   * depending on the model; the default 0 lets tests use short prompts.
   */
  minCacheableTokens?: number;
}

export const DEFAULT_ANTHROPIC_MODELS = ['claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-opus-5-5'];

function modelInfo(id: string): AnthropicModelInfo {
  const m = /^claude-(\w+)-(\d+)(?:-(\d+))?/.exec(id);
  const line = m?.[1] ?? 'model';
  const version = m?.[3] === undefined || m[3].length > 2 ? (m?.[2] ?? '') : `${m[2]}.${m[3]}`;
  return {
    id,
    displayName: `Claude ${line.charAt(0).toUpperCase()}${line.slice(1)} ${version}`.trim(),
    maxOutputTokens: line === 'opus' ? 128_000 : 64_000,
  };
}

class AnthropicService implements SimService {
  readonly scripts = new ScriptBook((m) => m);
  private readonly env: MessagesEnv;
  private counter = 0;

  constructor(private readonly options: AnthropicSimOptions) {
    const models = new Map((options.models ?? DEFAULT_ANTHROPIC_MODELS).map((id) => [id, modelInfo(id)]));
    const seed = options.seed ?? 42;
    this.env = {
      models,
      cache: new PrefixCache(),
      minCacheableTokens: options.minCacheableTokens ?? 0,
      nextSeed: () => (seed * 7919 + ++this.counter) >>> 0,
      requestId: (req) => requestId(req),
    };
  }

  normalizeModel(model: string): string {
    return model;
  }

  describe(req: SimRequest): RequestFacts {
    if (req.path === '/v1/messages' || req.path === '/v1/messages/count_tokens') {
      const facts = messagesFacts(req.json.ok ? req.json.value : undefined);
      return req.path === '/v1/messages' ? facts : { ...facts, stream: false };
    }
    const fromPath = /^\/v1\/models\/(.+)$/.exec(req.path)?.[1];
    return { model: fromPath === undefined ? undefined : decodeURIComponent(fromPath), stream: false };
  }

  baseHeaders(req: SimRequest): Record<string, string> {
    const reset = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      'request-id': requestId(req),
      'anthropic-organization-id': '00000000-0000-4000-8000-00000000510a',
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '3999',
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': '2000000',
      'anthropic-ratelimit-input-tokens-remaining': '2000000',
      'anthropic-ratelimit-input-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-limit': '400000',
      'anthropic-ratelimit-output-tokens-remaining': '400000',
      'anthropic-ratelimit-output-tokens-reset': reset,
    };
  }

  errorPlan(req: SimRequest, status: number, message?: string, retryAfterSeconds?: number): BodyPlan {
    return anthropicError(status, requestId(req), message, retryAfterSeconds);
  }

  streamErrorFrame(req: SimRequest): string {
    return sseEvent('error', anthropicErrorBody(529, requestId(req)));
  }

  midStreamErrorPlan(req: SimRequest): BodyPlan {
    return anthropicError(529, requestId(req));
  }

  malformedPlan(_req: SimRequest, stream: boolean): ResponsePlan {
    const broken = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel';
    if (!stream) return { kind: 'body', status: 200, contentType: 'application/json', body: broken };
    return { kind: 'stream', contentType: SSE_CONTENT_TYPE, headersEarly: true, prelude: [`event: content_block_delta\ndata: ${broken}\n\n`], body: [], finish: () => [] };
  }

  async handle(req: SimRequest, ctx: SimContext): Promise<void> {
    const rid = requestId(req);
    const auth = this.checkKey(req);
    if (auth) return ctx.send(auth);
    if (req.path.startsWith('/v1/') && headerValue(req.headers, 'anthropic-version') === undefined) {
      return ctx.send(anthropicError(400, rid, 'anthropic-version: header is required'));
    }
    if (req.method === 'POST' && req.path === '/v1/messages') return handleMessages(req, ctx, this.env);
    if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') return ctx.send(handleCountTokens(req, this.env));
    if (req.method === 'GET' && req.path === '/v1/models') {
      const data = [...this.env.models.values()].map(modelObject);
      return ctx.send(jsonPlan(200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }));
    }
    const modelPath = /^\/v1\/models\/(.+)$/.exec(req.path)?.[1];
    if (req.method === 'GET' && modelPath !== undefined) {
      const info = this.env.models.get(decodeURIComponent(modelPath));
      if (info) return ctx.send(jsonPlan(200, modelObject(info)));
      return ctx.send(anthropicError(404, rid, `model: ${decodeURIComponent(modelPath)}`));
    }
    return ctx.send(anthropicError(404, rid, 'Not Found'));
  }

  /** 401 in Anthropic's words when an apiKey is configured: `x-api-key` or `Authorization: Bearer`. */
  private checkKey(req: SimRequest): BodyPlan | undefined {
    if (this.options.apiKey === undefined) return undefined;
    const bearer = headerValue(req.headers, 'authorization');
    const key = headerValue(req.headers, 'x-api-key') ?? (bearer?.startsWith('Bearer ') ? bearer.slice(7).trim() : undefined);
    if (key === this.options.apiKey) return undefined;
    return anthropicError(401, requestId(req), key === undefined ? 'x-api-key header is required' : 'invalid x-api-key');
  }
}

function modelObject(info: AnthropicModelInfo): { id: string } & Record<string, unknown> {
  const line = /^claude-(\w+)/.exec(info.id)?.[1] ?? null;
  return {
    type: 'model',
    id: info.id,
    display_name: info.displayName,
    created_at: new Date(Date.UTC(2026, 0, 1) + (hashString(info.id) % 200) * 86_400_000).toISOString().replace('.000Z', 'Z'),
    max_input_tokens: 200_000,
    max_tokens: info.maxOutputTokens,
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line,
  };
}

/** `req_011C…`: Anthropic's request-id shape, derived from the request's random id. */
function requestId(req: SimRequest): string {
  return `req_011C${randomString(createRng(hashString(req.id)), BASE58, 20)}`;
}

/** Starts a simulated Anthropic Messages API (`/v1/messages`, `/v1/messages/count_tokens`, `/v1/models`). */
export function startAnthropicSim(options: AnthropicSimOptions = {}): Promise<SimServer> {
  return startSimServer(options, new AnthropicService(options));
}
