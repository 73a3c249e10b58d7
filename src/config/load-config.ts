import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { checkRoutingReferences } from '../routing/check-routing-references.js';
import { checkPricingReferences } from '../pricing/check-pricing-references.js';
import { configSchema, type ConfigInput, type TollgateConfig } from './config-schema.js';

/** A config that failed to load or validate; `issues` name the path and what was expected. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`Invalid configuration (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface LoadedConfig {
  readonly config: TollgateConfig;
  /** The file it came from, or `defaults` when none was found. */
  readonly source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Finds and loads the config: an explicit path, else `$TOLLGATE_CONFIG`, else `./tollgate.yaml`
 * if present, else the embedded defaults (Ollama on localhost, cloud providers whose keys are set).
 */
export async function loadConfig(options: { path?: string; env?: Env; cwd?: string } = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.TOLLGATE_CONFIG;
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, 'tollgate.yaml');
  if (!explicit && !existsSync(path)) {
    return { config: validateConfig(defaultConfigInput(env), 'defaults'), source: 'defaults' };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return { config: parseConfigText(text, path, env), source: path };
}

/** Parses YAML text, interpolates `${VAR}` / `${VAR:-default}` in string values, validates. */
export function parseConfigText(text: string, source: string, env: Env = process.env): TollgateConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new ConfigError(source, [`not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, [], problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return validateConfig(interpolated, source);
}

export function validateConfig(input: unknown, source: string): TollgateConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  const config = result.data;
  const problems = crossCheck(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/** Rules one field's schema cannot see: references between sections. */
function crossCheck(config: TollgateConfig): string[] {
  const problems: string[] = [];
  for (const [alias, entry] of Object.entries(config.models)) {
    const provider = entry.target.slice(0, entry.target.indexOf('/'));
    if (!(provider in config.providers)) {
      const known = Object.keys(config.providers).join(', ') || 'none';
      problems.push(`models.${alias}.target: provider '${provider}' is not configured (configured: ${known})`);
    }
  }
  problems.push(...checkRoutingReferences(config));
  problems.push(...checkPricingReferences(config.pricing, config.providers));
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown key(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    return `${path}: expected one of ollama, openai, openai-compatible, anthropic`;
  }
  return `${path}: ${issue.message}`;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, env: Env, path: string[], problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${path.join('.')}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, [...path, String(index)], problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, [...path, key], problems)]),
    );
  }
  return value;
}

/**
 * The embedded defaults: Ollama on localhost, plus each cloud whose API key is in the environment;
 * the ledger in ./data/tollgate.db unless TOLLGATE_LEDGER_URL says otherwise.
 */
export function defaultConfigInput(env: Env = process.env): ConfigInput {
  const providers: NonNullable<ConfigInput['providers']> = {
    ollama: { type: 'ollama', baseUrl: env.OLLAMA_HOST ? normaliseOllamaHost(env.OLLAMA_HOST) : 'http://localhost:11434' },
  };
  if (env.ANTHROPIC_API_KEY) providers.anthropic = { type: 'anthropic', apiKey: env.ANTHROPIC_API_KEY };
  if (env.OPENAI_API_KEY) providers.openai = { type: 'openai', apiKey: env.OPENAI_API_KEY };
  return {
    ...(env.TOLLGATE_ADMIN_KEY ? { admin: { key: env.TOLLGATE_ADMIN_KEY } } : {}),
    ...(env.TOLLGATE_LEDGER_URL ? { ledger: { url: env.TOLLGATE_LEDGER_URL } } : {}),
    providers,
    models: {
      'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192, description: 'knowledge-base analysis' },
      agent: { target: 'ollama/llama3.2', description: 'sub-agents' },
      summary: { target: 'ollama/phi3', description: 'quick summaries' },
      reasoning: { target: 'ollama/llama3.1:70b', description: 'hard reasoning' },
      embed: { target: 'ollama/nomic-embed-text', description: 'embeddings' },
    },
  };
}

/** `OLLAMA_HOST` may be `host:port` or a URL, as the Ollama CLI accepts. */
function normaliseOllamaHost(value: string): string {
  return /^https?:\/\//.test(value) ? value : `http://${value}`;
}
