/**
 * Every translation direction, end to end: the official SDKs talk to the gateway, the gateway
 * talks to the simulators, streaming and not, with tool calls.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack();
  openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.gateway.url, apiKey: 'client-key', maxRetries: 0 });
});
afterAll(() => stack.close());

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const anthropicWeatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe.each([
  ['Ollama', 'kb-analysis'],
  ['Anthropic', 'cloud-fast'],
  ['OpenAI', 'cloud-smart'],
])('OpenAI dialect in → %s out', (_upstream, model) => {
  it('answers non-streaming with usage', async () => {
    const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say something short.' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(model);
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams the same answer, with include_usage', async () => {
    const request = { model, messages: [{ role: 'user' as const, content: 'Stream something short.' }] };
    const whole = await openai.chat.completions.create(request);
    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it('round-trips a tool call, streamed and not', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Use the tool to get the weather in Tokyo.' }];
    const completion = await openai.chat.completions.create({ model, messages, tools: [weatherTool] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const args = call?.type === 'function' ? (JSON.parse(call.function.arguments) as Record<string, unknown>) : {};
    expect(typeof args.city).toBe('string');

    const runner = openai.chat.completions.stream({ model, messages, tools: [weatherTool] });
    const streamed = await runner.finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');
    expect(streamedCall?.type === 'function' && JSON.parse(streamedCall.function.arguments)).toEqual(args);

    // Send the tool result back: the upstream must accept the whole conversation.
    const followUp = await openai.chat.completions.create({
      model,
      tools: [weatherTool],
      messages: [...messages, completion.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '11 degrees celsius' }, { role: 'user', content: 'Thanks, summarise.' }],
    });
    expect(followUp.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });
});

describe.each([
  ['Ollama', 'agent'],
  ['OpenAI', 'cloud-smart'],
  ['Anthropic', 'cloud-fast'],
])('Anthropic dialect in → %s out', (_upstream, model) => {
  it('answers non-streaming with usage', async () => {
    const message = await anthropic.messages.create({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Say something short.' }] });
    expect(message.type).toBe('message');
    expect(message.model).toBe(model);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams events in Anthropic order to the same answer', async () => {
    const params = { model, max_tokens: 200, messages: [{ role: 'user' as const, content: 'Stream something short.' }] };
    const whole = await anthropic.messages.create(params);
    const events: string[] = [];
    const stream = anthropic.messages.stream(params).on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual(whole.content);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(events).toContain('content_block_delta');
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
  });

  it('round-trips a tool call, streamed and not', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Use the tool to get the weather in Tokyo.' }];
    const message = await anthropic.messages.create({ model, max_tokens: 300, messages, tools: [anthropicWeatherTool] });
    expect(message.stop_reason).toBe('tool_use');
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    expect(toolUse?.type === 'tool_use' && toolUse.name).toBe('get_weather');

    const streamed = await anthropic.messages.stream({ model, max_tokens: 300, messages, tools: [anthropicWeatherTool] }).finalMessage();
    const streamedUse = streamed.content.find((block) => block.type === 'tool_use');
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamedUse?.type === 'tool_use' && streamedUse.input).toEqual(toolUse?.type === 'tool_use' && toolUse.input);

    const followUp = await anthropic.messages.create({
      model,
      max_tokens: 300,
      tools: [anthropicWeatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '', content: '11 degrees celsius' }, { type: 'text', text: 'Summarise.' }] },
      ],
    });
    expect(followUp.content.some((block) => block.type === 'text')).toBe(true);
  });
});
