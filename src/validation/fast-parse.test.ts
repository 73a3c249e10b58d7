import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compiledCheck,
  fastSafeParse,
  jsonObjectSchema,
  prepareRequestPathChecks,
  requestPathSchemas,
  standaloneChecksModule,
  uncheckableReason,
} from './fast-parse.js';
import '../server/dialects/openai/openai-embeddings.js';
import { openAIChatRequestSchema } from '../server/dialects/openai/openai-chat-request.js';
import { anthropicMessagesRequestSchema } from '../server/dialects/anthropic/anthropic-messages-request.js';
import { openAIChatResponseSchema, openAIChunkSchema } from '../providers/openai/openai-api.js';
import { ollamaChatResponseSchema } from '../providers/ollama/ollama-api.js';
import {
  anthropicResponseSchema,
  contentBlockDeltaEventSchema,
  contentBlockStartEventSchema,
  messageDeltaEventSchema,
  messageStartEventSchema,
} from '../providers/anthropic/anthropic-api.js';

const fixture = (path: string): string => readFileSync(new URL(`../providers/${path}`, import.meta.url), 'utf8');
const sseData = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
const ndjson = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);

/** A request that uses most of what the OpenAI schema knows. */
const richOpenAIRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: [{ type: 'text', text: 'Cite sources.' }], name: 'ops' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
      refusal: null,
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'found' },
  ],
  tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object' }, strict: true } }],
  tool_choice: { type: 'function', function: { name: 'lookup' } },
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
  temperature: 0.2,
  top_p: 1,
  max_completion_tokens: 64,
  stop: ['\n\n'],
  seed: 7,
  stream: true,
  stream_options: { include_usage: true },
  metadata: { task: 'kb-analysis', tier: 'L2', attempt: 2, urgent: false },
  reasoning_effort: 'low',
  user: 'u-1',
};

/** Valid examples of each schema on the request path: a client's body, an upstream's JSON answer and stream events. */
const HOT_SCHEMAS: ReadonlyArray<{ name: string; schema: z.ZodType; examples: unknown[] }> = [
  {
    name: 'OpenAI chat request',
    schema: openAIChatRequestSchema,
    examples: [richOpenAIRequest, { model: 'bench', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 64, tool_choice: 'auto' }],
  },
  { name: 'OpenAI chat response', schema: openAIChatResponseSchema, examples: [JSON.parse(fixture('openai/__fixtures__/chat-response.json')) as unknown] },
  {
    name: 'OpenAI stream chunk',
    schema: openAIChunkSchema,
    examples: [...sseData(fixture('openai/__fixtures__/chat-stream-text.txt')), ...sseData(fixture('openai/__fixtures__/chat-stream-tool-calls.txt'))],
  },
  {
    name: 'Ollama chat response and stream line',
    schema: ollamaChatResponseSchema,
    examples: [
      JSON.parse(fixture('ollama/__fixtures__/chat-response.json')) as unknown,
      ...ndjson(fixture('ollama/__fixtures__/chat-stream-text.txt')),
      ...ndjson(fixture('ollama/__fixtures__/chat-stream-tool-call.txt')),
    ],
  },
  { name: 'Anthropic response', schema: anthropicResponseSchema, examples: [JSON.parse(fixture('anthropic/__fixtures__/messages-response.json')) as unknown] },
  ...(
    [
      ['message_start', messageStartEventSchema],
      ['content_block_start', contentBlockStartEventSchema],
      ['content_block_delta', contentBlockDeltaEventSchema],
      ['message_delta', messageDeltaEventSchema],
    ] as const
  ).map(([type, schema]) => ({
    name: `Anthropic ${type} event`,
    schema,
    examples: sseData(fixture('anthropic/__fixtures__/messages-stream.txt')).filter((event) => (event as { type?: string }).type === type),
  })),
];

/** Values each node of an example is replaced by, one at a time. */
const REPLACEMENTS: unknown[] = [null, 0, 1, -3, 1.5, 3, 1e20, '', 'x', 'ephemeral', 'a'.repeat(70), '😀'.repeat(40), true, false, [], [1], ['x'], {}, { type: 'text' }];

type Path = ReadonlyArray<string | number>;

function nodePaths(value: unknown, path: Path = []): Path[] {
  const here = [path];
  if (Array.isArray(value)) return here.concat(...value.map((item, i) => nodePaths(item, [...path, i])));
  if (typeof value === 'object' && value !== null) return here.concat(...Object.entries(value).map(([key, item]) => nodePaths(item, [...path, key])));
  return here;
}

/** `root` with the node at `path` replaced (`remove` deletes it from its object or array). */
function withNode(root: unknown, path: Path, replace: (old: unknown) => unknown, remove = false): unknown {
  if (path.length === 0) return replace(root);
  const copy: unknown = structuredClone(root);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (!remove) parent[last] = replace(parent[last]);
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

/** Every example, and every example with one node replaced, removed, or (objects) given an unknown key. */
function* variants(examples: unknown[]): Generator<unknown> {
  for (const example of examples) {
    yield example;
    for (const path of nodePaths(example)) {
      for (const value of REPLACEMENTS) yield withNode(example, path, () => value);
      if (path.length > 0) yield withNode(example, path, () => undefined, true);
      yield withNode(example, path, (old) => (typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, zz_unknown: 1 } : old));
    }
  }
}

/** Where this run writes modules as `npm run build` does (under the project, so node_modules resolve). */
const checksDir = new URL(`../../test-results/fast-parse-${randomUUID()}/`, import.meta.url);
afterAll(() => rmSync(checksDir, { recursive: true, force: true }));

function writeChecksModule(source: string): URL {
  mkdirSync(checksDir, { recursive: true });
  const file = new URL(`checks-${randomUUID()}.cjs`, checksDir);
  writeFileSync(file, source);
  return pathToFileURL(file.pathname);
}

function nameOf(schema: z.ZodType): string {
  const entry = [...requestPathSchemas()].find(([, marked]) => marked === schema);
  if (entry === undefined) throw new Error('schema not marked onRequestPath');
  return entry[0];
}

describe('fastSafeParse on the request path', () => {
  /** The build's precompiled checks (ajv standalone code), by schema name. */
  let standalone: Record<string, (data: unknown) => boolean>;
  beforeAll(async () => {
    const url = writeChecksModule(standaloneChecksModule(requestPathSchemas()));
    standalone = ((await import(url.href)) as { default: Record<string, (data: unknown) => boolean> }).default;
  });

  for (const { name, schema, examples } of HOT_SCHEMAS) {
    it(`${name}: compiled, and agrees with zod on every example and its one-node mutations`, () => {
      expect(examples.length).toBeGreaterThan(0);
      expect(uncheckableReason(schema)).toBeUndefined();
      const check = compiledCheck(schema);
      expect(check).toBeDefined();
      const precompiled = standalone[nameOf(schema)];
      expect(precompiled).toBeTypeOf('function');
      let accepted = 0;
      let rejected = 0;
      for (const value of variants(examples)) {
        const byZod = schema.safeParse(value);
        // Both directions: accepting what zod refuses would be a hole, refusing what zod accepts a slow path.
        expect({ value, accepted: check?.(value) }).toEqual({ value, accepted: byZod.success });
        expect({ value, accepted: precompiled?.(value) }).toEqual({ value, accepted: byZod.success });
        const fast = fastSafeParse(schema, value);
        expect(fast.success).toBe(byZod.success);
        if (byZod.success) {
          accepted++;
          // No copy, and nothing zod would have changed: its output is the value minus unknown keys.
          expect(fast.data).toBe(value);
          expect(value).toMatchObject(byZod.data as object);
        } else {
          rejected++;
          expect(fast.error?.issues).toEqual(byZod.error.issues);
        }
      }
      expect(accepted).toBeGreaterThan(examples.length);
      expect(rejected).toBeGreaterThan(10);
    });
  }

  it('readies every marked schema at start: compiled when there is no build, the build\'s own check otherwise, only for the schema it was made from', async () => {
    const marked = requestPathSchemas().size;
    const missing = new URL('./no-such-checks.cjs', import.meta.url);
    expect(await prepareRequestPathChecks(missing)).toEqual({ precompiled: 0, compiled: marked - 2, zodOnly: 2 });

    const source = standaloneChecksModule(requestPathSchemas());
    const built = writeChecksModule(source);
    expect(await prepareRequestPathChecks(built)).toEqual({ precompiled: marked - 2, compiled: 0, zodOnly: 2 });
    const module = ((await import(built.href)) as { default: Record<string, unknown> }).default;
    expect(compiledCheck(openAIChatRequestSchema)).toBe(module.openAIChatRequestSchema);

    // A check made from another version of the schema (a stale build) is not used.
    const stale = writeChecksModule(source.replace('"openAIChatResponseSchema":"{', '"openAIChatResponseSchema":"{\\"title\\":\\"older\\",'));
    expect(await prepareRequestPathChecks(stale)).toEqual({ precompiled: marked - 3, compiled: 1, zodOnly: 2 });
  });

  it('leaves the Anthropic request to zod: its cache_control ignores unknown values through a transform', () => {
    expect(uncheckableReason(anthropicMessagesRequestSchema)).toMatch(/cache_control.*'pipe'/);
    const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'other' } }] }] };
    const parsed = fastSafeParse(anthropicMessagesRequestSchema, body);
    expect(parsed.success && parsed.data.messages[0]?.content).toEqual([{ type: 'text', text: 'hi', cache_control: undefined }]);
  });
});

describe('uncheckableReason', () => {
  it.each([
    ['a transform', z.object({ a: z.string().transform((s) => s.length) }), "(root).a: a 'pipe' schema"],
    ['a refinement', z.object({ a: z.number().refine((n) => n > 1) }), "(root).a: a 'custom' check"],
    ['a default', z.object({ a: z.number().default(1) }), "(root).a: a 'default' schema"],
    ['a regex', z.string().regex(/^a/), "(root): a 'string_format' check"],
    ['an email', z.object({ to: z.email() }), "(root).to: a 'email' string"],
    ['a trim', z.string().trim(), "(root): a 'overwrite' check"],
    ['a coercion', z.object({ n: z.coerce.number() }), '(root).n: a coercion'],
    ['a custom type', z.array(z.custom<string>((v) => typeof v === 'string')), "(root)[]: a 'custom' schema"],
    ['a record keyed by an enum', z.record(z.enum(['a', 'b']), z.string()), '(root): a record keyed by enum'],
    ['a lazy schema', z.lazy(() => z.string()), "(root): a 'lazy' schema"],
  ])('refuses %s', (_what, schema: z.ZodType, reason) => {
    expect(uncheckableReason(schema)).toBe(reason);
    expect(compiledCheck(schema)).toBeUndefined();
  });

  it('accepts plain shapes, bounded strings and numbers, unions, records, loose and strict objects, and JSON objects', () => {
    const schema = z.object({
      s: z.string().min(1).max(8),
      n: z.number().int().min(0).max(10).nullish(),
      e: z.enum(['a', 'b']),
      l: z.literal('x').optional(),
      u: z.union([z.string(), z.array(z.boolean())]),
      r: z.record(z.string().max(64), z.union([z.string(), z.number()])),
      o: z.looseObject({ k: z.unknown() }),
      t: z.strictObject({ k: z.null() }),
      j: jsonObjectSchema,
    });
    expect(uncheckableReason(schema)).toBeUndefined();
    const good = { s: 'abc', n: 3, e: 'a', u: [true], r: { k: 1 }, o: { k: 1, other: 2 }, t: { k: null }, j: { any: ['thing'] } };
    expect(fastSafeParse(schema, good)).toEqual({ success: true, data: good });
    for (const bad of [{ ...good, s: '' }, { ...good, n: 1.5 }, { ...good, t: { k: null, x: 1 } }, { ...good, j: [] }, { ...good, r: { ['k'.repeat(65)]: 1 } }]) {
      expect(compiledCheck(schema)?.(bad)).toBe(false);
      expect(fastSafeParse(schema, bad).success).toBe(false);
    }
    // String lengths are code points on both sides: 8 emoji (16 UTF-16 units) fit in 8, 9 do not.
    for (const [s, fits] of [['😀'.repeat(8), true], ['😀'.repeat(9), false]] as const) {
      expect(compiledCheck(schema)?.({ ...good, s })).toBe(fits);
      expect(schema.safeParse({ ...good, s }).success).toBe(fits);
    }
  });
});
