/**
 * Simulated Ollama, OpenAI and Anthropic servers for tests, benchmarks and `tollgate demo`:
 * faithful on the wire (the official clients work unmodified), deterministic, with fault injection.
 */
export type { KeyedSimOptions, SimControl, SimOptions, SimServer, SimStats } from './common/sim-types.js';
export type { FaultKind, FaultSpec, RuleMatch, ScriptReply, ScriptSpec } from './common/rule-specs.js';
export { faultSpecSchema, scriptSpecSchema } from './common/rule-specs.js';
export { CONTROL_PREFIX } from './common/control-endpoint.js';
export { DEFAULT_OLLAMA_MODELS } from './ollama/ollama-catalogue.js';
export { startOllamaSim } from './ollama/ollama-sim.js';
export type { OllamaSimOptions } from './ollama/ollama-sim.js';
export { DEFAULT_OPENAI_MODELS, startOpenAISim } from './openai/openai-sim.js';
export type { OpenAISimOptions } from './openai/openai-sim.js';
export { DEFAULT_ANTHROPIC_MODELS, startAnthropicSim } from './anthropic/anthropic-sim.js';
export type { AnthropicSimOptions } from './anthropic/anthropic-sim.js';
