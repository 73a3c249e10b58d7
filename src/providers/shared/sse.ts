import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { toBuffer } from './ndjson.js';

export type { EventSourceMessage };

/**
 * The events of a `text/event-stream` body, parsed by eventsource-parser (comments, CRLF,
 * multi-line data and split chunks handled there). At the end of the body a pending event
 * without its blank line is flushed, so a cut stream shows up as a truncated event.
 */
export async function* readSseEvents(body: Readable): AsyncGenerator<EventSourceMessage, void> {
  const decoder = new StringDecoder('utf8');
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  for await (const chunk of body) {
    parser.feed(decoder.write(toBuffer(chunk)));
    yield* drain(pending);
  }
  parser.feed(decoder.end() + '\n\n');
  yield* drain(pending);
}

function* drain(pending: EventSourceMessage[]): Generator<EventSourceMessage, void> {
  // Take the batch first: the consumer may stop (return()) while we are yielding.
  const batch = pending.splice(0, pending.length);
  yield* batch;
}
