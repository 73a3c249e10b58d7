import type * as GptTokenizer from 'gpt-tokenizer';
import type { ChatCall } from '../core/index.js';

/**
 * Token estimates for when an upstream reports no usage (and for count_tokens). The tokenizer's
 * tables take tens of megabytes: they are loaded on the first estimate, not at start-up, so a
 * gateway whose upstreams always report usage never pays for them.
 */
let tokenizer: Promise<typeof GptTokenizer> | undefined;

async function countTokens(text: string): Promise<number> {
  tokenizer ??= import('gpt-tokenizer');
  return (await tokenizer).countTokens(text);
}

/** Tokens of everything the model reads: messages, tool definitions and their schemas. */
export async function estimateInputTokens(call: Pick<ChatCall, 'messages' | 'tools'>): Promise<number> {
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
  return (await countTokens(text)) + 3 * call.messages.length;
}

/** Tokens of generated text (answer text, tool-call names and arguments). */
export async function estimateOutputTokens(pieces: readonly string[]): Promise<number> {
  return pieces.length === 0 ? 0 : countTokens(pieces.join(''));
}
