import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNdjsonLines } from './ndjson.js';
import { readSseEvents } from './sse.js';
import { collect } from './testing/test-server.js';

/** A body delivered in the given byte pieces. */
function body(...pieces: Array<string | Buffer>): Readable {
  return Readable.from(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

describe('readNdjsonLines', () => {
  it('buffers lines split across reads and skips blank lines', async () => {
    expect(await collect(readNdjsonLines(body('{"a":', '1}\n\n{"b"', ':2}\r\n', '{"c":3}')))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps a UTF-8 character split across chunks intact', async () => {
    const bytes = Buffer.from('{"t":"☃"}\n');
    expect(await collect(readNdjsonLines(body(bytes.subarray(0, 8), bytes.subarray(8))))).toEqual(['{"t":"☃"}']);
  });
});

describe('readSseEvents', () => {
  it('parses named events, comments, CRLF and split chunks', async () => {
    const events = await collect(readSseEvents(body('event: a\r\nda', 'ta: {"x":1}\r\n\r\n: ping\n\n', 'data: [DONE]\n\n')));
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['a', '{"x":1}'],
      [undefined, '[DONE]'],
    ]);
  });

  it('flushes a last event that lacks its blank line', async () => {
    const events = await collect(readSseEvents(body('data: [DONE]\n')));
    expect(events.map((e) => e.data)).toEqual(['[DONE]']);
  });
});
