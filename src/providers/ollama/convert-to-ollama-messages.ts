import { InvalidRequestError, type CallWarning, type ImagePart, type Message, type TextPart } from '../../core/index.js';
import { parseToolArguments } from '../shared/parse-tool-arguments.js';
import type { OllamaMessage, OllamaToolCall } from './ollama-api.js';

/**
 * Canonical messages → Ollama `/api/chat` messages (PROTOCOLS §1.2, §4.6).
 *
 * - Text parts of one message are joined with `\n` (Ollama has one content string per message).
 * - Images go into `images` as raw base64. URL images are rejected with InvalidRequestError:
 *   Ollama cannot fetch URLs, and dropping the picture would make the model answer about an
 *   image it never saw — a wrong answer we would still pay for. Routing should send such
 *   requests to a target that fetches URLs.
 * - Assistant tool calls carry their arguments as objects (parsed from the JSON text).
 * - Tool results become `role:"tool"` messages with `tool_name` (from the part or looked up
 *   from the earlier call) and `tool_call_id`.
 */
export function convertToOllamaMessages(messages: ReadonlyArray<Message>, warnings: CallWarning[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  const out: OllamaMessage[] = [];
  let warnedToolError = false;

  messages.forEach((message, m) => {
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: message.content });
        break;

      case 'user': {
        const images = collectImages(message.content, `messages.${m}.content`);
        out.push({ role: 'user', content: joinText(message.content), ...(images.length > 0 ? { images } : {}) });
        break;
      }

      case 'assistant': {
        let content = '';
        let thinking = '';
        const toolCalls: OllamaToolCall[] = [];
        message.content.forEach((part, p) => {
          if (part.type === 'text') content += part.text;
          else if (part.type === 'reasoning') thinking += part.text;
          else {
            toolNames.set(part.id, part.name);
            toolCalls.push({
              id: part.id,
              function: { name: part.name, arguments: parseToolArguments(part.arguments, `messages.${m}.content.${p}.arguments`) },
            });
          }
        });
        out.push({
          role: 'assistant',
          content,
          ...(thinking !== '' ? { thinking } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        });
        break;
      }

      case 'tool':
        message.content.forEach((result, p) => {
          if (result.isError === true && !warnedToolError) {
            warnedToolError = true;
            warnings.push({ setting: 'messages', message: 'Ollama has no tool-error flag; failed tool results are sent as plain content.' });
          }
          const images = collectImages(result.content, `messages.${m}.content.${p}.content`);
          const toolName = result.toolName ?? toolNames.get(result.toolCallId);
          out.push({
            role: 'tool',
            content: joinText(result.content),
            ...(images.length > 0 ? { images } : {}),
            ...(toolName !== undefined ? { tool_name: toolName } : {}),
            tool_call_id: result.toolCallId,
          });
        });
        break;
    }
  });
  return out;
}

function joinText(parts: ReadonlyArray<TextPart | ImagePart>): string {
  let text = '';
  for (const part of parts) {
    if (part.type !== 'text') continue;
    text = text === '' ? part.text : `${text}\n${part.text}`;
  }
  return text;
}

function collectImages(parts: ReadonlyArray<TextPart | ImagePart>, param: string): string[] {
  const images: string[] = [];
  parts.forEach((part, p) => {
    if (part.type !== 'image') return;
    if (part.source.kind === 'url') {
      // The canonical type allows a `data:` URL here too; that one we can decode ourselves.
      const inline = dataUrlPayload(part.source.url);
      if (inline === undefined) {
        throw new InvalidRequestError('Ollama cannot fetch image URLs; send the image inline as base64 (a data: URL).', {
          param: `${param}.${p}`,
        });
      }
      images.push(inline);
    } else {
      images.push(stripDataPrefix(part.source.data));
    }
  });
  return images;
}

/** Canonical base64 has no prefix, but a client may still have left one: Ollama wants raw base64. */
function stripDataPrefix(data: string): string {
  return dataUrlPayload(data) ?? data;
}

function dataUrlPayload(url: string): string | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1 || !url.slice(0, comma).endsWith(';base64')) return undefined;
  return url.slice(comma + 1);
}
