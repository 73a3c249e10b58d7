/**
 * Fuzz-ish: wrong types at every level of realistic bodies must produce an InvalidRequestError
 * (a 400 naming a field), never a TypeError or any other crash.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../core/index.js';
import { parseAnthropicCountTokensRequest } from './anthropic/anthropic-count-tokens.js';
import { anthropicDialect } from './anthropic/anthropic-dialect.js';
import { openAIDialect, parseOpenAIEmbeddingsRequest } from './openai/openai-dialect.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const openAIBody: Json = {
  model: 'gpt-x',
  messages: [
    { role: 'developer', content: [{ type: 'text', text: 'Be terse.' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo', detail: 'low' } },
      ],
    },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'ok' },
  ],
  tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: true } }],
  tool_choice: { type: 'function', function: { name: 'f' } },
  response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' }, strict: true } },
  temperature: 0.5,
  max_completion_tokens: 100,
  stop: ['x'],
  stream: true,
  stream_options: { include_usage: true },
  metadata: { task: 't' },
  reasoning_effort: 'low',
};

const anthropicBody: Json = {
  model: 'claude-x',
  max_tokens: 100,
  system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 't', signature: 's' },
        { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'r' }], is_error: false }] },
  ],
  tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  thinking: { type: 'enabled', budget_tokens: 2000 },
  output_config: { effort: 'high', format: { type: 'json_schema', schema: { type: 'object' } } },
  metadata: { user_id: 'u', task: 't' },
  temperature: 0.5,
  stop_sequences: ['x'],
  stream: true,
};

const embeddingsBody: Json = { model: 'e', input: ['a', 'b'], dimensions: 8, encoding_format: 'base64' };

const replacements: Json[] = [null, 0, -1, 1.5, 1e308, '', 'x', true, [], {}, [null], [1], { type: 'x' }, { type: 'text' }];

type Path = ReadonlyArray<string | number>;

/** Every path in `node`, the root included. */
function* paths(node: Json, path: Path = []): Generator<Path> {
  yield path;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* paths(node[i] ?? null, [...path, i]);
  } else if (node !== null && typeof node === 'object') {
    for (const key of Object.keys(node)) yield* paths(node[key] ?? null, [...path, key]);
  }
}

/** A copy of `node` with the value at `path` replaced (or removed, for `undefined`). */
function edit(node: Json, path: Path, value: Json | undefined): Json {
  const [head, ...rest] = path;
  if (head === undefined) return value ?? null;
  if (Array.isArray(node)) {
    const copy = [...node];
    const i = Number(head);
    if (rest.length === 0 && value === undefined) copy.splice(i, 1);
    else copy[i] = edit(copy[i] ?? null, rest, value);
    return copy;
  }
  if (node !== null && typeof node === 'object') {
    const copy = { ...node };
    const key = String(head);
    if (rest.length === 0 && value === undefined) delete copy[key];
    else copy[key] = edit(copy[key] ?? null, rest, value);
    return copy;
  }
  return node;
}

/** Every node replaced by every replacement, and every key or item removed. */
function* variants(body: Json): Generator<[string, Json]> {
  for (const path of paths(body)) {
    for (const r of replacements) yield [`${path.join('.')} := ${JSON.stringify(r)}`, edit(body, path, r)];
    if (path.length > 0) yield [`delete ${path.join('.')}`, edit(body, path, undefined)];
  }
}

function expectOnlyInvalidRequest(parse: (body: unknown) => unknown, body: Json): void {
  expect(() => parse(body)).not.toThrow();
  let rejected = 0;
  for (const [label, variant] of variants(body)) {
    try {
      parse(variant);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw new Error(`${label}: threw ${String(error)}`, { cause: error });
      expect(error.status).toBe(400);
      expect(error.message.length).toBeGreaterThan(0);
      rejected++;
    }
  }
  expect(rejected).toBeGreaterThan(50);
}

describe('wrong types anywhere → InvalidRequestError, never a crash', () => {
  it('OpenAI chat', () => expectOnlyInvalidRequest((b) => openAIDialect.parseChatRequest(b), openAIBody));
  it('Anthropic messages', () => expectOnlyInvalidRequest((b) => anthropicDialect.parseChatRequest(b), anthropicBody));
  it('Anthropic count_tokens', () => expectOnlyInvalidRequest(parseAnthropicCountTokensRequest, anthropicBody));
  it('OpenAI embeddings', () => expectOnlyInvalidRequest(parseOpenAIEmbeddingsRequest, embeddingsBody));

  it('random JSON values', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const keys = ['model', 'messages', 'role', 'content', 'type', 'text', 'tools', 'max_tokens', 'input', 'source', 'tool_calls', 'function', 'system'];
    const gen = (depth: number): Json => {
      const r = random();
      if (depth > 4 || r < 0.3) return replacements[Math.floor(random() * replacements.length)] ?? null;
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 3) }, () => gen(depth + 1));
      const o: Record<string, Json> = {};
      for (let i = 0; i < 3; i++) o[keys[Math.floor(random() * keys.length)] ?? 'x'] = gen(depth + 1);
      return o;
    };
    const parsers = [openAIDialect.parseChatRequest, anthropicDialect.parseChatRequest, parseAnthropicCountTokensRequest, parseOpenAIEmbeddingsRequest];
    for (let i = 0; i < 2000; i++) {
      const body = gen(0);
      for (const parse of parsers) {
        try {
          parse(body);
        } catch (error) {
          if (!(error instanceof InvalidRequestError)) throw new Error(`${JSON.stringify(body)}: threw ${String(error)}`, { cause: error });
        }
      }
    }
  });
});
