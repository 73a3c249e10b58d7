import type { CallWarning, ImagePart, Message, TextPart } from '../../core/index.js';
import { parseToolArguments } from '../shared/parse-tool-arguments.js';
import type { AnthropicContentBlock, AnthropicImageBlock, AnthropicMessage, AnthropicTextBlock } from './anthropic-api.js';

/**
 * Canonical messages → Anthropic `system` + `messages` (PROTOCOLS §3.2, §4.4):
 *
 * - system messages are hoisted into one top-level `system` (joined with a blank line); one that
 *   appeared mid-conversation loses its position, which is a warning;
 * - tool results become `tool_result` blocks in a user turn; consecutive same-role turns are
 *   merged, and in every user turn the tool results come first, as the API requires;
 * - assistant tool calls become `tool_use` with the arguments parsed into an object;
 * - reasoning goes back as `thinking` only with its signature (the API rejects unsigned
 *   thinking); unsigned reasoning is dropped with a warning;
 * - empty text is left out (the API rejects empty text blocks), and so is a turn left empty.
 */
export function convertToAnthropicMessages(
  messages: ReadonlyArray<Message>,
  warnings: CallWarning[],
): { system: string | undefined; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    warnings.push({ setting: 'messages', message });
  };
  const append = (role: AnthropicMessage['role'], blocks: AnthropicContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };

  messages.forEach((message, m) => {
    switch (message.role) {
      case 'system':
        if (out.length > 0) warnOnce('system', 'Anthropic takes one system prompt; a system message from mid-conversation was moved to the top.');
        system.push(message.content);
        break;

      case 'user':
        append('user', toBlocks(message.content));
        break;

      case 'assistant': {
        const blocks: AnthropicContentBlock[] = [];
        message.content.forEach((part, p) => {
          if (part.type === 'text') {
            if (part.text !== '') blocks.push({ type: 'text', text: part.text });
          } else if (part.type === 'tool-call') {
            blocks.push({ type: 'tool_use', id: part.id, name: part.name, input: parseToolArguments(part.arguments, `messages.${m}.content.${p}.arguments`) });
          } else if (part.signature !== undefined) {
            blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
          } else {
            warnOnce('reasoning', 'Anthropic only accepts signed reasoning; reasoning without a signature was not sent.');
          }
        });
        append('assistant', blocks);
        break;
      }

      case 'tool':
        append(
          'user',
          message.content.map((result) => {
            const content = toBlocks(result.content);
            return {
              type: 'tool_result' as const,
              tool_use_id: result.toolCallId,
              ...(content.length === 0
                ? {}
                : { content: content.every((block) => block.type === 'text') ? content.map((block) => block.text).join('\n') : content }),
              ...(result.isError === true ? { is_error: true } : {}),
            };
          }),
        );
        break;
    }
  });

  for (const message of out) {
    if (message.role !== 'user') continue;
    // Stable: tool results first (in order), then the rest (in order).
    const results = message.content.filter((block) => block.type === 'tool_result');
    if (results.length > 0 && results.length < message.content.length) {
      message.content = [...results, ...message.content.filter((block) => block.type !== 'tool_result')];
    }
  }

  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: out };
}

function toBlocks(parts: ReadonlyArray<TextPart | ImagePart>): Array<AnthropicTextBlock | AnthropicImageBlock> {
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock> = [];
  for (const part of parts) {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else {
      const source = part.source;
      blocks.push({
        type: 'image',
        source: source.kind === 'base64' ? { type: 'base64', media_type: source.mediaType, data: source.data } : { type: 'url', url: source.url },
      });
    }
  }
  return blocks;
}
