import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { sampleFromSchema } from './json-sample.js';
import { planReply } from './reply-planner.js';
import type { ReplyRequest } from './reply-planner.js';
import { ScriptBook } from './rule-book.js';
import { generateText } from './text-generator.js';
import { splitTokens } from './tokens.js';

function settings(scripts = new ScriptBook((m) => m)) {
  return { seed: 42, outputTokens: 24, scripts };
}

function request(over: Partial<ReplyRequest> = {}): ReplyRequest {
  return {
    model: 'm',
    promptText: 'What is a gateway?',
    lastUserText: 'What is a gateway?',
    scriptText: 'What is a gateway?',
    tools: [],
    toolMode: { type: 'auto' },
    ...over,
  };
}

const weather = { name: 'get_weather', schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } };

describe('generateText', () => {
  it('is deterministic per seed and prompt, and exactly the asked number of tokens', () => {
    const a = generateText(42, 'hello', 24);
    expect(generateText(42, 'hello', 24)).toBe(a);
    expect(generateText(43, 'hello', 24)).not.toBe(a);
    expect(generateText(42, 'hello!', 24)).not.toBe(a);
    for (const n of [1, 5, 24, 100]) {
      for (const key of ['a', 'b', 'some longer prompt']) expect(encode(generateText(7, key, n))).toHaveLength(n);
    }
  });

  it('splits into pieces that rejoin exactly, one per token for plain text', () => {
    const text = generateText(1, 'x', 40);
    expect(splitTokens(text)).toHaveLength(40);
    expect(splitTokens('héllo 👋🏽 wörld').join('')).toBe('héllo 👋🏽 wörld');
  });
});

describe('planReply', () => {
  it('answers with seeded text whose token count is the reported usage', () => {
    const reply = planReply(request(), settings());
    expect(reply.finish).toBe('stop');
    expect(reply.outputTokens).toBe(encode(reply.text).length);
    expect(reply.outputTokens).toBe(24);
    expect(planReply(request(), settings()).text).toBe(reply.text);
  });

  it('cuts at max tokens with finish length, and at a stop sequence', () => {
    const short = planReply(request({ maxTokens: 5 }), settings());
    expect(short.finish).toBe('length');
    expect(short.outputTokens).toBe(5);
    const full = planReply(request(), settings()).text;
    const stopWord = full.split(' ')[3] ?? '';
    const stopped = planReply(request({ stop: [stopWord] }), settings());
    expect(stopped.finish).toBe('stop_sequence');
    expect(stopped.stopSequence).toBe(stopWord);
    expect(stopped.text).toBe(full.slice(0, full.indexOf(stopWord)));
  });

  it('uses the first matching script: text, tool calls or JSON', () => {
    const scripts = new ScriptBook((m) => m);
    scripts.set([
      { match: { pattern: 'weather' }, reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] } },
      { match: { pattern: '^sql', model: 'other' }, reply: { text: 'never: wrong model' } },
      { match: { pattern: '^sql' }, reply: { json: { sql: 'SELECT 1' } } },
      { match: { pattern: '.*' }, reply: { text: 'Scripted answer.' } },
    ]);
    const tool = planReply(request({ scriptText: 'weather in Oslo?' }), settings(scripts));
    expect(tool.toolCalls).toEqual([{ name: 'get_weather', arguments: { city: 'Oslo' }, argumentsJson: '{"city":"Oslo"}' }]);
    expect(tool.finish).toBe('tool_calls');
    expect(planReply(request({ scriptText: 'sql please' }), settings(scripts)).text).toBe('{"sql":"SELECT 1"}');
    expect(planReply(request(), settings(scripts)).text).toBe('Scripted answer.');
  });

  it('calls the first tool when the user mentions a tool, or when tool choice forces one', () => {
    const tools = [weather, { name: 'other', schema: { type: 'object' } }];
    const volunteered = planReply(request({ tools, lastUserText: 'Use the tool please' }), settings());
    expect(volunteered.toolCalls[0]).toMatchObject({ name: 'get_weather', arguments: { city: 'sample', days: 1 } });
    expect(volunteered.toolCallVolunteered).toBe(true);
    expect(planReply(request({ tools }), settings()).toolCalls).toHaveLength(0);
    expect(planReply(request({ tools, toolMode: { type: 'tool', name: 'other' } }), settings()).toolCalls[0]?.name).toBe('other');
    expect(planReply(request({ tools, toolMode: { type: 'required' } }), settings()).toolCallVolunteered).toBe(false);
    expect(planReply(request({ tools, toolMode: { type: 'none' }, lastUserText: 'tool' }), settings()).toolCalls).toHaveLength(0);
    // After a tool result the last message is not a user turn: the model answers in text.
    expect(planReply(request({ tools, lastUserText: undefined, scriptText: 'use the tool' }), settings()).toolCalls).toHaveLength(0);
  });

  it('produces valid JSON in JSON mode, conforming to a schema when given', () => {
    const plain = JSON.parse(planReply(request({ json: {} }), settings()).text) as Record<string, unknown>;
    expect(typeof plain.result).toBe('string');
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, minItems: 2 }, kind: { enum: ['a', 'b'] } },
      required: ['name', 'tags', 'kind', 'extra'],
    };
    expect(JSON.parse(planReply(request({ json: { schema } }), settings()).text)).toEqual({ name: 'sample', tags: ['sample', 'sample'], kind: 'a', extra: 'sample' });
  });
});

describe('sampleFromSchema', () => {
  it('follows $ref, anyOf, formats and bounds', () => {
    const schema = {
      type: 'object',
      properties: { when: { type: 'string', format: 'date' }, n: { type: 'number', minimum: 5 }, ref: { $ref: '#/$defs/Flag' }, maybe: { anyOf: [{ type: 'null' }, { type: 'integer' }] } },
      $defs: { Flag: { type: 'boolean' } },
    };
    expect(sampleFromSchema(schema)).toEqual({ when: '2026-01-01', n: 5, ref: true, maybe: 1 });
  });
});
