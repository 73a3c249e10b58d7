/**
 * Simulated Ollama, OpenAI and Anthropic servers for tests, benchmarks and `tollgate demo`:
 * faithful on the wire (the official clients work unmodified), deterministic, with fault injection.
 */
export type { SimControl, SimOptions, KeyedSimOptions, SimServer, SimStats } from './common/sim-types.js';
export type { FaultSpec, FaultKind, ScriptSpec, ScriptReply, RuleMatch } from './common/rule-specs.js';
export { faultSpecSchema, scriptSpecSchema } from './common/rule-specs.js';
export { startOllamaSim } from './ollama/ollama-sim.js';
export type { OllamaSimOptions } from './ollama/ollama-sim.js';
export { startOpenAISim } from './openai/openai-sim.js';
export type { OpenAISimOptions } from './openai/openai-sim.js';
export { startAnthropicSim } from './anthropic/anthropic-sim.js';
export type { AnthropicSimOptions } from './anthropic/anthropic-sim.js';
