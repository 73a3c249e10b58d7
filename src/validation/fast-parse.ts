/**
 * zod schemas, checked at the speed of compiled code on the request path.
 *
 * zod stays the source of truth for every wire format: the types are `z.output` of the schemas,
 * and every error message comes from zod. But a zod parse builds a fresh copy of each object it
 * checks, and on the gateway's hot path (a client's request body, an upstream's JSON answer,
 * every streamed chunk) those parses cost more than the routing, retries and breakers together.
 * So each schema is also compiled, once, to a JSON Schema validator (zod's own `toJSONSchema`,
 * then ajv), which only reads: a value it accepts is returned as it is, with no copy. A value it
 * rejects goes to zod, which says why (or, were the two ever to disagree, has the last word).
 *
 * That is only sound for schemas whose zod parse cannot change a valid value (no transforms,
 * defaults, refinements or coercions) and whose every check JSON Schema states exactly. A schema
 * with anything else is not compiled and always goes to zod; `uncheckableReason` says why, and
 * the tests assert the request path's schemas have no reason.
 *
 * One difference is allowed: zod's default objects strip keys they do not know, and a value
 * accepted here keeps them. The code reads the fields a schema names, never a parsed object's
 * key list (records and catch-all objects, whose keys are the point, keep them either way).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import type { $ZodType, $ZodTypes } from 'zod/v4/core';

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object kept by reference, unvalidated inside (tool schemas, JSON Schemas): we pass those
 * through and must not copy or reshape them. JSON Schema states it exactly: `{"type": "object"}`.
 */
export const jsonObjectSchema = z.custom<Record<string, unknown>>(isJsonObject, { error: 'expected a JSON object' });

/** zod's checks that JSON Schema states exactly (string lengths: see `ajv`). */
const EXACT_CHECKS: ReadonlySet<string> = new Set(['min_length', 'max_length', 'length_equals', 'greater_than', 'less_than', 'number_format']);

/** zod types whose parse returns a valid value unchanged (objects: minus unknown keys). */
const PLAIN_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'null', 'unknown', 'any', 'never', 'literal', 'enum']);

/**
 * Why `schema` cannot be checked by compiled JSON Schema (its first such part, with its path),
 * or undefined when it can.
 */
export function uncheckableReason(schema: z.ZodType): string | undefined {
  return reasonIn(schema, '(root)');
}

function reasonIn(schema: $ZodType, path: string): string | undefined {
  if (schema === (jsonObjectSchema as $ZodType)) return undefined;
  // zod's documented introspection for library authors: every core type's `_zod.def`, discriminated by `type`.
  const def = (schema as $ZodTypes)._zod.def;
  for (const check of def.checks ?? []) {
    const checkDef = check._zod.def;
    if (!EXACT_CHECKS.has(checkDef.check)) return `${path}: a '${checkDef.check}' check`;
    if (checkDef.check === 'number_format' && 'format' in checkDef && String(checkDef.format).startsWith('float')) return `${path}: a float format`;
  }
  if ('coerce' in def && def.coerce === true) return `${path}: a coercion`;
  // z.email() and friends are strings with a format JSON Schema would need a plug-in for.
  if (def.type === 'string' && 'format' in def && def.format !== undefined) return `${path}: a '${String(def.format)}' string`;
  if (PLAIN_TYPES.has(def.type)) return undefined;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return reasonIn(def.innerType, path);
    case 'array':
      return reasonIn(def.element, `${path}[]`);
    case 'union':
      for (const [i, option] of def.options.entries()) {
        const reason = reasonIn(option, `${path}|${i}`);
        if (reason !== undefined) return reason;
      }
      return undefined;
    case 'record':
      if (def.keyType._zod.def.type !== 'string') return `${path}: a record keyed by ${def.keyType._zod.def.type}`;
      return reasonIn(def.keyType, `${path}{key}`) ?? reasonIn(def.valueType, `${path}{}`);
    case 'object':
      for (const [key, field] of Object.entries(def.shape)) {
        const reason = reasonIn(field, `${path}.${key}`);
        if (reason !== undefined) return reason;
      }
      return def.catchall === undefined ? undefined : reasonIn(def.catchall, `${path}.*`);
    default:
      return `${path}: a '${def.type}' schema`;
  }
}

// Strict: a keyword ajv does not know is a compile error, not a check silently skipped. String
// lengths are code points on both sides (zod 4 and ajv 8 both count them so).
const ajv = new Ajv({ strict: true, allowUnionTypes: true });

/** A compiled check per schema; null = not checkable, zod only. Schemas are module constants: compiled once. */
const compiled = new WeakMap<z.ZodType, ValidateFunction | null>();

function compile(schema: z.ZodType): ValidateFunction | null {
  if (uncheckableReason(schema) !== undefined) return null;
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    // The one custom type we allow is stated exactly; anything else was refused above.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === (jsonObjectSchema as $ZodType)) {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        jsonSchema.type = 'object';
      }
    },
  });
  return ajv.compile(json);
}

function compiledFor(schema: z.ZodType): ValidateFunction | null {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/** Schemas marked as on the request path, compiled before the first request instead of during it. */
const hotSchemas = new Set<z.ZodType>();

/**
 * Marks schemas the request path parses: `compileHotSchemas` compiles them at start. Compiling
 * costs 3–70 ms a schema; the first request should not pay it.
 */
export function onRequestPath(...schemas: z.ZodType[]): void {
  for (const schema of schemas) hotSchemas.add(schema);
}

/** Compiles every schema marked `onRequestPath`; returns how many are compiled and left to zod. */
export function compileHotSchemas(): { compiled: number; zodOnly: number } {
  let count = 0;
  for (const schema of hotSchemas) if (compiledFor(schema) !== null) count++;
  return { compiled: count, zodOnly: hotSchemas.size - count };
}

/** The compiled check alone (for tests), or undefined when `schema` is left to zod. */
export function compiledCheck(schema: z.ZodType): ((data: unknown) => boolean) | undefined {
  const check = compiledFor(schema);
  return check === null ? undefined : (data) => check(data);
}

/**
 * `schema.safeParse(data)`, but a valid value is checked by the compiled validator and returned
 * as it is (see the file comment); an invalid one gets zod's full answer.
 */
export function fastSafeParse<S extends z.ZodType>(schema: S, data: unknown): z.ZodSafeParseResult<z.output<S>> {
  const check = compiledFor(schema);
  if (check !== null && check(data)) return { success: true, data: data as z.output<S> };
  return schema.safeParse(data);
}
