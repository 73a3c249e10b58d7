/**
 * Anthropic prompt caching through the gateway, end to end: the official `@anthropic-ai/sdk` talks
 * to the gateway, the gateway to the Anthropic simulator, which implements the prefix cache
 * (writes the first time a breakpoint prefix is seen, reads afterwards). If a breakpoint were lost
 * on the way, every call would pay for the whole prompt and both cache counters would stay 0.
 */
import Anthropic from '@anthropic-ai/sdk';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../test-support/stack.js';

let stack: Stack;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack();
  anthropic = new Anthropic({ baseURL: stack.gateway.url, apiKey: 'client-key', maxRetries: 0 });
});
afterAll(() => stack.close());

/** `cloud-fast` → anthropic/claude-haiku-5-5. Each test has its own system text: the simulator's cache lives as long as the stack. */
function ask(systemText: string, question: string, cacheControl: Anthropic.CacheControlEphemeral = { type: 'ephemeral' }): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: 'cloud-fast',
    max_tokens: 50,
    system: [{ type: 'text', text: systemText, cache_control: cacheControl }],
    messages: [{ role: 'user', content: question }],
  };
}

describe('Anthropic prompt caching through the gateway', () => {
  it('the same request twice: the first writes the system prefix to the cache, the second reads it', async () => {
    const system = 'You are a careful analyst. '.repeat(60);
    const first = await anthropic.messages.create(ask(system, 'What changed this quarter?'));
    const second = await anthropic.messages.create(ask(system, 'What changed this quarter?'));

    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    // The simulator counts with gpt-tokenizer: the whole system block is the cached prefix.
    expect(first.usage.cache_creation_input_tokens).toBe(encode(system).length);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    // input_tokens excludes both cache counters: only the question is plain input.
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    expect(second.usage.input_tokens).toBe(encode('What changed this quarter?').length);
  });

  it('a 1-hour breakpoint is cached too, and a different question after the prefix still reads it', async () => {
    const system = 'You review contracts clause by clause. '.repeat(60);
    const first = await anthropic.messages.create(ask(system, 'First contract?', { type: 'ephemeral', ttl: '1h' }));
    const second = await anthropic.messages.create(ask(system, 'Second contract?', { type: 'ephemeral', ttl: '1h' }));
    expect(first.usage.cache_creation_input_tokens).toBe(encode(system).length);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  it('top-level automatic caching (cache_control on the request) caches the whole prompt', async () => {
    const question = `Summarise this: ${'The meeting covered the budget and the hiring plan. '.repeat(40)}`;
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'cloud-fast',
      max_tokens: 50,
      cache_control: { type: 'ephemeral' },
      messages: [{ role: 'user', content: question }],
    };
    const first = await anthropic.messages.create(body);
    const second = await anthropic.messages.create(body);
    expect(first.usage.cache_creation_input_tokens).toBe(encode(question).length);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.input_tokens).toBe(0);
  });

  it('streaming: the SDK-assembled message reports the cache counts', async () => {
    const system = 'You are a careful streaming analyst. '.repeat(60);
    const first = await anthropic.messages.stream(ask(system, 'Streamed question')).finalMessage();
    const second = await anthropic.messages.stream(ask(system, 'Streamed question')).finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBe(encode(system).length);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });

  it('streaming: message_start already shows the cache counts', async () => {
    const system = 'You are a careful analyst of streams. '.repeat(60);
    const messageStartUsage = async (): Promise<Anthropic.Usage | undefined> => {
      const stream = await anthropic.messages.create({ ...ask(system, 'Streamed again'), stream: true });
      let usage: Anthropic.Usage | undefined;
      for await (const event of stream) {
        if (event.type === 'message_start') usage = event.message.usage;
      }
      return usage;
    };
    const first = await messageStartUsage();
    const second = await messageStartUsage();
    expect(first?.cache_creation_input_tokens).toBe(encode(system).length);
    expect(second?.cache_read_input_tokens).toBe(encode(system).length);
  });
});
