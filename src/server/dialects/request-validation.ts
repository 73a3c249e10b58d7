/**
 * Shared request-validation helpers for the client dialects: run a zod schema and turn its first
 * issue into an InvalidRequestError whose message names the field path and what was expected
 * (`messages.2.content: expected string or array of content parts, got integer 5`), like the
 * providers' own 400s.
 */
import { z } from 'zod';
import type { $ZodIssue } from 'zod/v4/core';
import { InvalidRequestError } from '../../core/index.js';
import { fastSafeParse } from '../../validation/fast-parse.js';

export { isJsonObject, jsonObjectSchema } from '../../validation/fast-parse.js';

/** A 400 about one field. `param` is the dotted path (`messages.2.content`). */
export function invalidParam(param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`${param}: ${message}`, { param });
}

/** Parses `body` with `schema` or throws an InvalidRequestError for the first issue. */
export function parseWithSchema<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = fastSafeParse(schema, body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new InvalidRequestError('Invalid request body.');
  throw issueToError(issue, [], body);
}

type PathKey = PropertyKey;

function issueToError(issue: $ZodIssue, base: ReadonlyArray<PathKey>, body: unknown): InvalidRequestError {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union failed. If some branch got past the top-level type check (its issue is deeper than the
    // union itself), the value had that branch's shape and the deeper issue is the useful one:
    // `messages.0.content.1.type: …` rather than "expected string or array".
    let best: $ZodIssue | undefined;
    for (const branch of issue.errors) {
      for (const inner of branch) {
        if (inner.path.length > 0 && (best === undefined || inner.path.length > best.path.length)) best = inner;
      }
    }
    if (best !== undefined) return issueToError(best, path, body);
  }
  const param = path.map(String).join('.');
  const message = describeIssue(issue, valueAt(body, path));
  if (param === '') return new InvalidRequestError(`Request body: ${message}`);
  return new InvalidRequestError(`${param}: ${message}`, { param });
}

function describeIssue(issue: $ZodIssue, value: unknown): string {
  const got = `, got ${describeValue(value)}`;
  switch (issue.code) {
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} items${got}`;
      if (issue.origin === 'string') return `expected at most ${String(issue.maximum)} characters`;
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${got}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}${got}`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'expected a non-empty string' : `expected at least ${String(issue.minimum)} characters`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}${got}`;
    default: {
      const expectation = expectationOf(issue);
      return value === undefined ? `field required (${expectation})` : `${expectation}${got}`;
    }
  }
}

/** What a type-like issue expected: `expected string`, `expected one of 'a', 'b'`, or the schema's own message. */
function expectationOf(issue: $ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeName(issue.expected)}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map(quote).join(', ')}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
        return `expected one of ${issue.options.map(quote).join(', ')}`;
      }
      return issue.message === 'Invalid input' ? 'unexpected value' : issue.message;
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'integer';
    case 'record':
      return 'object';
    default:
      return expected;
  }
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** A short description of what the client sent, for messages: `number`, `'bot'`, `null`, `array`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array (${value.length} item${value.length === 1 ? '' : 's'})`;
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
    case 'number':
      return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
    case 'boolean':
      return `boolean ${String(value)}`;
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}

function valueAt(root: unknown, path: ReadonlyArray<PathKey>): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof key === 'symbol') return undefined;
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/**
 * A metadata map: values may be strings, numbers or booleans (stringified; clients vary), keys ≤ 64
 * characters like OpenAI's.
 */
export const metadataValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected string',
});

/** Stringifies accepted metadata values. */
export function stringifyMetadata(input: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(input)) {
    const v = input[key];
    if (v !== undefined) out[key] = String(v);
  }
  return out;
}

/** Returns `o` without the keys whose value is `undefined` (canonical objects omit what the client did not say). */
export function withoutUndefined<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(o) as Array<keyof T>) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out as T;
}
