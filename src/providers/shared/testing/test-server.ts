import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';

/*
 * A tiny real HTTP server for provider wire tests: it records what the provider sent and
 * replays recorded upstream fixtures, optionally in small pieces so readers must buffer.
 * Test support only (imported by *.test.ts).
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Client port of the connection: equal ports mean a reused keep-alive socket. */
  readonly remotePort: number | undefined;
  /** Resolves when the connection for this request closed (e.g. the provider aborted). */
  readonly closed: Promise<void>;
}

export type TestHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface TestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The JSON body of the n-th request. */
  json(index?: number): unknown;
  close(): Promise<void>;
}

export async function startTestServer(handler: TestHandler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
        closed,
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    json(index = 0) {
      const request = requests[index];
      if (request === undefined) throw new Error(`no request #${index}`);
      return JSON.parse(request.body) as unknown;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReplayOptions {
  readonly status?: number;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** Write the body in pieces of this many bytes, yielding to the event loop between them. */
  readonly chunkSize?: number;
  /** Leave the response open after the body (to test cut streams / aborts). */
  readonly keepOpen?: boolean;
}

/** Writes `body` as the response, in pieces when asked. */
export async function replay(res: ServerResponse, body: string, options: ReplayOptions = {}): Promise<void> {
  res.writeHead(options.status ?? 200, { 'content-type': options.contentType ?? 'application/json', ...options.headers });
  const bytes = Buffer.from(body, 'utf8');
  // Node sends headers with the first write; an empty body must flush them itself.
  if (bytes.length === 0) res.flushHeaders();
  const size = options.chunkSize ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    res.write(bytes.subarray(offset, offset + size));
    if (options.chunkSize !== undefined) await new Promise((resolve) => setImmediate(resolve));
  }
  if (!options.keepOpen) res.end();
}

/** Reads a recorded fixture next to the test (`new URL('./__fixtures__/x.txt', import.meta.url)`). */
export function fixture(url: URL): Promise<string> {
  return readFile(url, 'utf8');
}

/** Collects every part of a stream. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}
