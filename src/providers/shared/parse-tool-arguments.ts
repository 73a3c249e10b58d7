import { InvalidRequestError } from '../../core/index.js';
import { isRecord } from './upstream-error.js';

/**
 * Canonical tool-call arguments are JSON text (OpenAI style); Ollama and Anthropic want the
 * object. Text that is not a JSON object is the client's error, reported at `param`. An empty
 * text means "no arguments" (some clients send `""` for parameterless tools).
 */
export function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`Tool call arguments are not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      param,
      cause: error,
    });
  }
  if (!isRecord(value)) throw new InvalidRequestError('Tool call arguments must be a JSON object.', { param });
  return value;
}
