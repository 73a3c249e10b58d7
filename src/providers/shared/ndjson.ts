import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * The non-empty lines of an NDJSON body. A line may be split across reads (and a UTF-8
 * character across chunks), so text is buffered until its `\n`; a last line without one is
 * still yielded so a truncated stream surfaces as malformed JSON rather than vanishing.
 */
export async function* readNdjsonLines(body: Readable): AsyncGenerator<string, void> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.write(toBuffer(chunk));
    let start = 0;
    let newline = buffer.indexOf('\n', start);
    while (newline !== -1) {
      const line = buffer.slice(start, newline).trim();
      if (line !== '') yield line;
      start = newline + 1;
      newline = buffer.indexOf('\n', start);
    }
    buffer = buffer.slice(start);
  }
  const rest = (buffer + decoder.end()).trim();
  if (rest !== '') yield rest;
}

export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}
