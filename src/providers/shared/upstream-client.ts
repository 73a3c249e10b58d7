import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { AbortLike } from '../../core/index.js';
import { abortReason } from './abort.js';
import {
  createBadResponseError,
  createTransportError,
  createUpstreamResponseError,
  flattenHeaders,
  MAX_ERROR_BODY_CHARS,
  type ErrorBodyReader,
  type UpstreamTarget,
} from './upstream-error.js';
import { fastSafeParse } from '../../validation/fast-parse.js';

export type UpstreamBody = Dispatcher.ResponseData['body'];

/** An upstream response that passed the status check (2xx); the body is not read yet. */
export interface UpstreamResponse {
  readonly target: UpstreamTarget;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: UpstreamBody;
}

export interface UpstreamClientSettings {
  /** Provider instance name, carried by every error. */
  readonly provider: string;
  readonly baseUrl: string;
  /** Sent with every request (auth, version, the operator's extra headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** Header that carries our request id upstream, when the provider has a harmless one. */
  readonly requestIdHeader?: string;
  /** Injected connection pool; when absent the client owns a keep-alive Agent and `close()` closes it. */
  readonly dispatcher?: Dispatcher;
  readonly readErrorBody?: ErrorBodyReader;
}

export interface SendOptions {
  readonly method: 'GET' | 'POST';
  /** Path below baseUrl, with its query string. */
  readonly path: string;
  /** The wire body, stringified once by the caller's builder. */
  readonly body?: string;
  readonly signal?: AbortLike;
  readonly requestId?: string;
}

/**
 * The one way providers talk HTTP: undici `request` over a keep-alive pool, our signal on every
 * call, non-2xx turned into a ProviderCallError with the upstream's own message, transport
 * failures into `upstream_unreachable`/`upstream_timeout`, and our aborts rethrown as aborts.
 */
export class UpstreamClient {
  readonly provider: string;
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownedAgent: Agent | undefined;
  private readonly settings: UpstreamClientSettings;
  /** Lower-cased, so an operator's `Authorization` replaces our `authorization` instead of doubling it. */
  private readonly headers: Readonly<Record<string, string>>;

  constructor(settings: UpstreamClientSettings) {
    this.settings = settings;
    this.headers = Object.fromEntries(Object.entries(settings.headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.provider = settings.provider;
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    // undici's default header/body timeouts (300 s) stay as a backstop; real deadlines come
    // from execution through the signal.
    if (settings.dispatcher) {
      this.dispatcher = settings.dispatcher;
      this.ownedAgent = undefined;
    } else {
      this.ownedAgent = new Agent();
      this.dispatcher = this.ownedAgent;
    }
  }

  url(path: string): string {
    return this.baseUrl + path;
  }

  async send(options: SendOptions): Promise<UpstreamResponse> {
    const target: UpstreamTarget = { provider: this.provider, url: this.url(options.path) };
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);

    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.requestId !== undefined && this.settings.requestIdHeader !== undefined && isHeaderSafe(options.requestId)) {
      headers[this.settings.requestIdHeader] = options.requestId;
    }
    Object.assign(headers, this.headers);

    let response: Dispatcher.ResponseData;
    try {
      response = await request(target.url, {
        dispatcher: this.dispatcher,
        method: options.method,
        headers,
        body: options.body,
        // undici takes any EventTarget-like signal (it reads `aborted`, `reason` and calls
        // add/removeEventListener); its types only name AbortSignal and EventEmitter.
        signal: signal as AbortSignal | undefined,
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw createTransportError(error, target);
    }

    const responseHeaders = flattenHeaders(response.headers);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { target, status: response.statusCode, headers: responseHeaders, body: response.body };
    }
    let bodyText: string;
    try {
      bodyText = await readLimitedText(response.body, MAX_ERROR_BODY_CHARS * 4);
    } catch {
      if (signal?.aborted) throw abortReason(signal);
      // The status alone still makes a useful error.
      bodyText = '';
    }
    throw createUpstreamResponseError({
      target,
      status: response.statusCode,
      headers: responseHeaders,
      bodyText,
      readErrorBody: this.settings.readErrorBody,
    });
  }

  /** Sends, reads the whole body and validates it against the (lenient) wire schema. */
  async sendForJson<S extends z.ZodType>(options: SendOptions, schema: S): Promise<{ data: z.output<S>; response: UpstreamResponse }> {
    const response = await this.send(options);
    const data = await readJson(response, schema, options.signal);
    return { data, response };
  }

  async close(): Promise<void> {
    await this.ownedAgent?.close();
  }
}

/** Reads and validates a JSON body; a body that is not the promised shape is `upstream_bad_response`. */
export async function readJson<S extends z.ZodType>(response: UpstreamResponse, schema: S, signal: AbortLike | undefined): Promise<z.output<S>> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw createTransportError(error, response.target);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw createBadResponseError(response.target, `${response.target.provider} sent a body that is not JSON.`, {
      status: response.status,
      headers: response.headers,
      body: text,
      cause: error,
    });
  }
  const parsed = fastSafeParse(schema, json);
  if (!parsed.success) {
    throw createBadResponseError(response.target, `${response.target.provider} sent an unexpected response: ${parsed.error.message}`, {
      status: response.status,
      headers: response.headers,
      body: text,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** JSON.parse for upstream text (a stream line or event): malformed JSON is `upstream_bad_response`, never a raw SyntaxError. */
export function parseUpstreamJson(text: string, response: UpstreamResponse, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw createBadResponseError(response.target, `${response.target.provider} sent ${what} that is not JSON.`, {
      status: response.status,
      body: text,
      cause: error,
    });
  }
}

/** Error bodies can be anything (an HTML page from a proxy): read a bounded prefix, drop the rest. */
async function readLimitedText(body: UpstreamBody, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limitBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limitBytes).toString('utf8');
}

/** Our request id goes into a header only if it cannot break the request line. */
function isHeaderSafe(value: string): boolean {
  return value.length > 0 && value.length <= 512 && /^[\x21-\x7e]+$/.test(value);
}
