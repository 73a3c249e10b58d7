export { createOllama, type OllamaSettings } from './ollama/create-ollama.js';
export { createOllamaPool, type OllamaPoolSettings } from './ollama/create-ollama-pool.js';
export { createOpenAI, type OpenAISettings } from './openai/create-openai.js';
export { createAnthropic, type AnthropicSettings } from './anthropic/create-anthropic.js';
export { isAbortError } from './shared/abort.js';
