import type { FastifyInstance } from 'fastify';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { ChatCall } from '../../core/index.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { anthropicDialect } from '../dialects/anthropic/anthropic-dialect.js';
import { parseAnthropicCountTokensRequest } from '../dialects/anthropic/anthropic-count-tokens.js';

/**
 * `POST /v1/messages/count_tokens`. The answer is an estimate with a GPT tokenizer whatever the
 * target (Ollama has no such endpoint and routing may change the target); the
 * `x-tollgate-estimated` header says so.
 */
export function registerCountTokensRoute(app: FastifyInstance, deps: { runtime: GatewayRuntime }): void {
  app.post('/v1/messages/count_tokens', { config: { dialect: anthropicDialect } }, async (request, reply) => {
    const parsed = parseAnthropicCountTokensRequest(request.body);
    deps.runtime.snapshot.resolveModel(parsed.call.model); // an unknown model is a 404 here too, as upstream
    reply.header('x-tollgate-estimated', 'true');
    return { input_tokens: await estimateInputTokens(parsed.call) };
  });
}

/**
 * The tokenizer's tables take tens of megabytes: load them on the first count, not at start-up,
 * so a gateway that never counts never pays for them.
 */
let tokenizer: Promise<typeof GptTokenizer> | undefined;

/** Tokens of everything the model reads: messages, tool definitions and their schemas. */
export async function estimateInputTokens(call: Pick<ChatCall, 'messages' | 'tools'>): Promise<number> {
  tokenizer ??= import('gpt-tokenizer');
  const { countTokens } = await tokenizer;
  let text = '';
  for (const message of call.messages) {
    if (message.role === 'system') {
      text += message.content + '\n';
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') text += part.text + '\n';
      else if (part.type === 'tool-call') text += `${part.name} ${part.arguments}\n`;
      else if (part.type === 'reasoning') text += part.text + '\n';
      else if (part.type === 'tool-result') {
        for (const inner of part.content) if (inner.type === 'text') text += inner.text + '\n';
      }
    }
  }
  for (const tool of call.tools ?? []) text += `${tool.name} ${tool.description ?? ''} ${JSON.stringify(tool.inputSchema)}\n`;
  // Per-message framing tokens, as chat templates add them.
  return countTokens(text) + 3 * call.messages.length;
}
