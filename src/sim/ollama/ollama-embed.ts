import { performance } from 'node:perf_hooks';
import { isRecord } from '../common/http-util.js';
import type { BodyPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import type { SimContext, SimRequest } from '../common/sim-server.js';
import { unitVector } from '../common/text-generator.js';
import { countTokens } from '../common/tokens.js';
import type { OllamaEnv } from './ollama-completion.js';
import { parseKeepAlive, QueueFullError } from './ollama-scheduler.js';
import type { Lease } from './ollama-scheduler.js';

/** `/api/embed` (current) and `/api/embeddings` (legacy): deterministic unit vectors per model + text. */

function l2normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

export async function handleEmbed(legacy: boolean, req: SimRequest, ctx: SimContext, env: OllamaEnv): Promise<void> {
  const send = (plan: BodyPlan): Promise<void> => ctx.send(plan);
  if (!req.json.ok) return send(env.errorPlan(400, req.json.empty ? 'missing request body' : req.json.message));
  const body = req.json.value;
  if (!isRecord(body)) return send(env.errorPlan(400, 'json: cannot unmarshal into Go value of type api.EmbedRequest'));
  const model = typeof body.model === 'string' ? body.model : '';
  if (model === '') return send(env.errorPlan(400, 'model is required'));
  const info = env.catalogue.get(model);
  if (!info) return send(env.errorPlan(404, `model '${model}' not found`));
  const keepAlive = parseKeepAlive(body.keep_alive);
  if (!keepAlive.ok) return send(env.errorPlan(400, keepAlive.message));

  let inputs: string[];
  if (legacy) {
    inputs = typeof body.prompt === 'string' && body.prompt !== '' ? [body.prompt] : [];
  } else if (typeof body.input === 'string') {
    inputs = body.input === '' ? [] : [body.input];
  } else if (Array.isArray(body.input) && body.input.every((x) => typeof x === 'string')) {
    inputs = body.input;
  } else if (body.input === undefined || body.input === null) {
    inputs = [];
  } else {
    return send(env.errorPlan(400, 'invalid input type'));
  }
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, info.embeddingLength) : info.embeddingLength;

  let lease: Lease | undefined;
  try {
    lease = await env.scheduler.acquire(info.name, ctx.signal);
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    ctx.markRejected();
    return send(env.errorPlan(503, error.message));
  }
  if (!lease) return send(env.errorPlan(499, 'request canceled'));
  try {
    const options = isRecord(body.options) ? body.options : {};
    const numCtx = typeof options.num_ctx === 'number' && options.num_ctx > 0 ? Math.floor(options.num_ctx) : undefined;
    if (!(await env.scheduler.ensureLoaded(info.name, ctx.signal, numCtx))) return;
    const loadNs = Math.max(1_000, Math.round((performance.now() - lease.grantedAt) * 1e6));
    const embeddings = inputs.map((text) => l2normalize(unitVector(`${info.name}\u0000${text}`, info.embeddingLength).slice(0, dims)));
    if (legacy) return await send(jsonPlan(200, { embedding: embeddings[0] ?? [] }));
    const promptTokens = inputs.reduce((n, text) => n + countTokens(text), 0);
    const totalNs = Math.max(loadNs, Math.round((performance.now() - req.start) * 1e6));
    const out: Record<string, unknown> = { model, embeddings, total_duration: totalNs, load_duration: loadNs };
    if (promptTokens > 0) out.prompt_eval_count = promptTokens;
    await send(jsonPlan(200, out));
  } finally {
    lease.release(keepAlive.ms);
  }
}
