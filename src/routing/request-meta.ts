import { InvalidRequestError, type AgentTier, type Priority, type RequestMeta } from '../core/index.js';

export interface RequestMetaInput {
  /** The `model` field as sent. */
  readonly model: string;
  /** Request headers as Node gives them: lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body's `metadata` object (string values only). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly estimatedInputTokens?: number;
  readonly hasTools?: boolean;
  readonly hasImages?: boolean;
  /** Set by auth from the virtual key, never read from the client. */
  readonly key?: string;
  readonly team?: string;
}

type Field = 'task' | 'priority' | 'tier';

/** Task names end up in metric labels, headers and the ledger: keep them short and plain. */
const TASK_PATTERN = /^[A-Za-z0-9][\w.:/-]{0,63}$/;

/**
 * What the caller told us about a request. Headers (`x-tollgate-task|priority|tier`) win over
 * body metadata, because a proxy or SDK wrapper in front of an app sets headers to override it;
 * in the body, `tollgate_task` wins over `task` for the same reason (the prefixed key is ours for
 * sure, the plain one may be the app's own). Values are trimmed; priority and tier are
 * case-insensitive. An invalid value is a 400 naming where it came from and what is allowed:
 * silently ignoring it would route urgent work as normal work.
 */
export function readRequestMeta(input: RequestMetaInput): RequestMeta {
  const task = readField(input, FIELDS.task);
  const priority = readField(input, FIELDS.priority);
  const tier = readField(input, FIELDS.tier);
  // Assigned field by field rather than spread: this runs on every request.
  const meta: Mutable<RequestMeta> = { model: input.model };
  if (task !== undefined) meta.task = parseTask(task);
  if (priority !== undefined) meta.priority = parsePriority(priority);
  if (tier !== undefined) meta.tier = parseTier(tier);
  if (input.key !== undefined) meta.key = input.key;
  if (input.team !== undefined) meta.team = input.team;
  if (input.estimatedInputTokens !== undefined) meta.estimatedInputTokens = input.estimatedInputTokens;
  if (input.hasTools !== undefined) meta.hasTools = input.hasTools;
  if (input.hasImages !== undefined) meta.hasImages = input.hasImages;
  return meta;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where each field may come from, in order of precedence; built once, not per request. */
interface FieldSources {
  readonly header: string;
  readonly metadataKeys: readonly [string, string];
}

const sourcesOf = (field: Field): FieldSources => ({ header: `x-tollgate-${field}`, metadataKeys: [`tollgate_${field}`, field] });
const FIELDS: Readonly<Record<Field, FieldSources>> = { task: sourcesOf('task'), priority: sourcesOf('priority'), tier: sourcesOf('tier') };

interface RawValue {
  readonly value: string;
  /** `header x-tollgate-tier` or `metadata.tier`, for the error message. */
  readonly source: string;
  /** The request field at fault, when it is in the body. */
  readonly param?: string;
}

function readField(input: RequestMetaInput, field: FieldSources): RawValue | undefined {
  const header = firstValue(input.headers[field.header]);
  if (header !== undefined) return { value: header, source: `header ${field.header}` };
  for (const key of field.metadataKeys) {
    const value = Object.hasOwn(input.metadata, key) ? input.metadata[key]?.trim() : undefined;
    if (value) return { value, source: `metadata.${key}`, param: `metadata.${key}` };
  }
  return undefined;
}

/** Repeated headers arrive as an array; the first one counts. Empty means "not given". */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value ? value : undefined;
}

function parseTask(raw: RawValue): string {
  if (TASK_PATTERN.test(raw.value)) return raw.value;
  throw invalid(raw, 'a task name of up to 64 letters, digits, _ . : / or -');
}

function parsePriority(raw: RawValue): Priority {
  const value = raw.value.toLowerCase();
  if (value === 'high' || value === 'medium' || value === 'low') return value;
  throw invalid(raw, 'one of high, medium, low');
}

function parseTier(raw: RawValue): AgentTier {
  const value = raw.value.toUpperCase();
  if (value === 'L1' || value === 'L2' || value === 'L3') return value;
  throw invalid(raw, 'one of L1, L2, L3');
}

function invalid(raw: RawValue, expected: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid ${raw.source}: '${raw.value}'; expected ${expected}.`, raw.param ? { param: raw.param } : {});
}
