import type { CacheControl, CallWarning, ImagePart, Message, SystemMessage, TextPart } from '../../core/index.js';
import { parseToolArguments } from '../shared/parse-tool-arguments.js';
import type { AnthropicCacheControl, AnthropicContentBlock, AnthropicImageBlock, AnthropicMessage, AnthropicTextBlock } from './anthropic-api.js';

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
 * - empty text is left out (the API rejects empty text blocks), and so is a turn left empty;
 * - cache breakpoints (`cacheControl`) become `cache_control` on the same block, as given: no more
 *   than 4 is the API's rule, and its 400 says so more clearly than a breakpoint we quietly drop.
 *   An empty text block that carries one is kept for the same reason.
 */
export function convertToAnthropicMessages(
  messages: ReadonlyArray<Message>,
  warnings: CallWarning[],
): { system: string | AnthropicTextBlock[] | undefined; messages: AnthropicMessage[] } {
  const system: SystemMessage[] = [];
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
        system.push(message);
        break;

      case 'user':
        append('user', toBlocks(message.content));
        break;

      case 'assistant': {
        const blocks: AnthropicContentBlock[] = [];
        message.content.forEach((part, p) => {
          if (part.type === 'text') {
            if (keepText(part)) blocks.push({ type: 'text', text: part.text, ...toAnthropicCacheControl(part.cacheControl) });
          } else if (part.type === 'tool-call') {
            blocks.push({
              type: 'tool_use',
              id: part.id,
              name: part.name,
              input: parseToolArguments(part.arguments, `messages.${m}.content.${p}.arguments`),
              ...toAnthropicCacheControl(part.cacheControl),
            });
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
            // Plain text results go as one string, unless a breakpoint sits on one of the blocks.
            const asString = content.every((block) => block.type === 'text' && block.cache_control === undefined);
            return {
              type: 'tool_result' as const,
              tool_use_id: result.toolCallId,
              ...(content.length === 0 ? {} : { content: asString ? content.map((block) => (block.type === 'text' ? block.text : '')).join('\n') : content }),
              ...(result.isError === true ? { is_error: true } : {}),
              ...toAnthropicCacheControl(result.cacheControl),
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

  return { system: toSystem(system), messages: out };
}

/**
 * One string joined with a blank line, as always; text blocks (one per system message) when a
 * breakpoint sits in the system prompt, so that it stays after the text it was given for.
 */
function toSystem(system: ReadonlyArray<SystemMessage>): string | AnthropicTextBlock[] | undefined {
  if (system.length === 0) return undefined;
  if (system.every((message) => message.cacheControl === undefined)) return system.map((message) => message.content).join('\n\n');
  return system
    .filter((message) => keepText({ text: message.content, cacheControl: message.cacheControl }))
    .map((message) => ({ type: 'text', text: message.content, ...toAnthropicCacheControl(message.cacheControl) }));
}

/** `cache_control` to spread into a block: `{}` without a breakpoint. */
export function toAnthropicCacheControl(cacheControl: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  if (cacheControl === undefined) return {};
  return { cache_control: cacheControl.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: cacheControl.ttl } };
}

/** Empty text is left out (the API rejects it) unless it carries a breakpoint, which the API's 400 should name. */
function keepText(part: { readonly text: string; readonly cacheControl?: CacheControl }): boolean {
  return part.text !== '' || part.cacheControl !== undefined;
}

function toBlocks(parts: ReadonlyArray<TextPart | ImagePart>): Array<AnthropicTextBlock | AnthropicImageBlock> {
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock> = [];
  for (const part of parts) {
    if (part.type === 'text') {
      if (keepText(part)) blocks.push({ type: 'text', text: part.text, ...toAnthropicCacheControl(part.cacheControl) });
    } else {
      const source = part.source;
      blocks.push({
        type: 'image',
        source: source.kind === 'base64' ? { type: 'base64', media_type: source.mediaType, data: source.data } : { type: 'url', url: source.url },
        ...toAnthropicCacheControl(part.cacheControl),
      });
    }
  }
  return blocks;
}
