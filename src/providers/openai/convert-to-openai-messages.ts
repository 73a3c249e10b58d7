import type { CallWarning, ImagePart, Message, TextPart } from '../../core/index.js';
import type { OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from './openai-api.js';

/**
 * Canonical messages → Chat Completions messages (PROTOCOLS §2.3).
 *
 * What the format cannot carry becomes a warning (once per kind), never a silent drop:
 * reasoning from earlier turns (Chat Completions takes no reasoning input), images inside tool
 * results (tool messages are text only) and the tool-error flag.
 */
export function convertToOpenAIMessages(messages: ReadonlyArray<Message>, warnings: CallWarning[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    warnings.push({ setting: 'messages', message });
  };

  for (const message of messages) {
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: message.content });
        break;

      case 'user':
        out.push({ role: 'user', content: toUserContent(message.content) });
        break;

      case 'assistant': {
        let text: string | null = null;
        const toolCalls: OpenAIToolCall[] = [];
        for (const part of message.content) {
          if (part.type === 'text') text = (text ?? '') + part.text;
          else if (part.type === 'tool-call') toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
          else warnOnce('reasoning', 'Chat Completions takes no reasoning input; reasoning from earlier turns was not sent.');
        }
        // `content: null` is only valid next to tool calls.
        out.push(toolCalls.length > 0 ? { role: 'assistant', content: text, tool_calls: toolCalls } : { role: 'assistant', content: text ?? '' });
        break;
      }

      case 'tool':
        for (const result of message.content) {
          if (result.isError === true) warnOnce('tool-error', 'Chat Completions has no tool-error flag; failed tool results are sent as plain content.');
          if (result.content.some((part) => part.type === 'image')) {
            warnOnce('tool-image', 'Chat Completions tool messages are text only; images in tool results were not sent.');
          }
          out.push({ role: 'tool', tool_call_id: result.toolCallId, content: joinText(result.content) });
        }
        break;
    }
  }
  return out;
}

/** A plain string when the message is text only (what every compatible server understands), else parts. */
function toUserContent(parts: ReadonlyArray<TextPart | ImagePart>): string | OpenAIContentPart[] {
  if (parts.every((part) => part.type === 'text')) return joinText(parts);
  return parts.map((part): OpenAIContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const url = part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
    return { type: 'image_url', image_url: { url } };
  });
}

function joinText(parts: ReadonlyArray<TextPart | ImagePart>): string {
  let text = '';
  for (const part of parts) {
    if (part.type !== 'text') continue;
    text = text === '' ? part.text : `${text}\n${part.text}`;
  }
  return text;
}
