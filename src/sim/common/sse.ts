/** Server-sent event framing. OpenAI sends bare `data:` events; Anthropic names every event. */

export function sseData(value: unknown): string {
  return `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
}

export function sseEvent(event: string, value: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;
}

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** Splits a JSON text into `parts` roughly equal fragments (tool-argument deltas). */
export function fragments(text: string, parts: number): string[] {
  if (text.length === 0) return [];
  const n = Math.max(1, Math.min(parts, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
