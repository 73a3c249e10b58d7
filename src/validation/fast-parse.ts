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
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as AjvModule from 'ajv';
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

/** A compiled check: true when the value is valid. */
type Check = (data: unknown) => boolean;

const require = createRequire(import.meta.url);
let ajvInstance: AjvModule.Ajv | undefined;

/**
 * ajv, loaded on first need: a gateway built with `npm run build` finds its request-path checks
 * precompiled (`writeRequestPathChecks`) and never loads ajv, which costs ~13 MB of memory and
 * ~70 ms for its first compile. Strict: a keyword ajv does not know is a compile error, not a
 * check silently skipped. String lengths are code points on both sides (zod 4 and ajv 8 both
 * count them so).
 */
function ajv(options: { standalone?: boolean } = {}): AjvModule.Ajv {
  const { Ajv } = require('ajv') as typeof AjvModule;
  const settings = { strict: true, allowUnionTypes: true } as const;
  // CommonJS: ajv's standalone code requires its small runtime helpers (string length) with `require`.
  if (options.standalone) return new Ajv({ ...settings, code: { source: true } });
  ajvInstance ??= new Ajv(settings);
  return ajvInstance;
}

/** The JSON Schema a checkable zod schema is compiled from; its text is also the precompiled check's key. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    reused: 'ref',
    // The one custom type we allow is stated exactly; anything else was refused by uncheckableReason.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === (jsonObjectSchema as $ZodType)) {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        jsonSchema.type = 'object';
      }
    },
  });
}

/** A compiled check per schema; null = not checkable, zod only. Schemas are module constants: compiled once. */
const compiled = new WeakMap<z.ZodType, Check | null>();

function compiledFor(schema: z.ZodType): Check | null {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = uncheckableReason(schema) === undefined ? ajv().compile(jsonSchemaOf(schema)) : null;
    compiled.set(schema, check);
  }
  return check;
}

/** Schemas the request path parses, by a name unique among them (the precompiled module's export). */
const hotSchemas = new Map<string, z.ZodType>();

/**
 * Marks schemas the request path parses, by name: the build precompiles them, and
 * `prepareRequestPathChecks` loads (or compiles) them at start, so no request pays for it.
 */
export function onRequestPath(schemas: Record<string, z.ZodType>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    const existing = hotSchemas.get(name);
    if (existing !== undefined && existing !== schema) throw new Error(`Two request-path schemas are named '${name}'.`);
    hotSchemas.set(name, schema);
  }
}

/** The precompiled module `npm run build` writes next to this file. */
const PRECOMPILED = new URL('request-path-checks.cjs', import.meta.url);

/** The schemas marked `onRequestPath`, by name. */
export function requestPathSchemas(): ReadonlyMap<string, z.ZodType> {
  return hotSchemas;
}

/**
 * The source of a CommonJS module with a standalone validator for each checkable schema in
 * `schemas`, and each one's JSON Schema text: a check is used only for the schema it was made from.
 */
export function standaloneChecksModule(schemas: ReadonlyMap<string, z.ZodType>): string {
  const { default: standaloneCode } = require('ajv/dist/standalone/index.js') as { default: (ajv: AjvModule.Ajv, exports: Record<string, string>) => string };
  const compiler = ajv({ standalone: true });
  const exports: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const [name, schema] of schemas) {
    if (uncheckableReason(schema) !== undefined) continue;
    const json = jsonSchemaOf(schema);
    compiler.addSchema(json, name);
    exports[name] = name;
    sources[name] = JSON.stringify(json);
  }
  return `// Written by \`npm run build\` (validation/fast-parse.ts): the request path's checks, compiled ahead of time.\n${standaloneCode(compiler, exports)}\nexports.sources = ${JSON.stringify(sources)};\n`;
}

/** Writes the precompiled checks for every schema marked `onRequestPath` next to this module (the build does this). */
export async function writeRequestPathChecks(): Promise<{ file: string; checks: number }> {
  const file = fileURLToPath(PRECOMPILED);
  await writeFile(file, standaloneChecksModule(hotSchemas));
  return { file, checks: [...hotSchemas.values()].filter((schema) => uncheckableReason(schema) === undefined).length };
}

/**
 * Readies a check for every schema marked `onRequestPath`: the build's precompiled one when it was
 * made from the same JSON Schema, else compiled now. Called once at start.
 */
export async function prepareRequestPathChecks(precompiled: URL = PRECOMPILED): Promise<{ precompiled: number; compiled: number; zodOnly: number }> {
  const counts = { precompiled: 0, compiled: 0, zodOnly: 0 };
  const built = await loadPrecompiled(precompiled);
  for (const [name, schema] of hotSchemas) {
    if (uncheckableReason(schema) !== undefined) {
      compiled.set(schema, null);
      counts.zodOnly++;
      continue;
    }
    const check = built?.checks[name];
    if (check !== undefined && built?.sources[name] === JSON.stringify(jsonSchemaOf(schema))) {
      compiled.set(schema, check);
      counts.precompiled++;
    } else {
      compiledFor(schema);
      counts.compiled++;
    }
  }
  return counts;
}

async function loadPrecompiled(url: URL): Promise<{ checks: Record<string, Check>; sources: Record<string, string> } | undefined> {
  let module: { default?: unknown };
  try {
    module = (await import(url.href)) as { default?: unknown };
  } catch {
    return undefined; // Not built (tests run the sources): everything compiles at runtime.
  }
  if (typeof module.default !== 'object' || module.default === null) return undefined;
  const { sources, ...rest } = module.default as Record<string, unknown>;
  if (typeof sources !== 'object' || sources === null) return undefined;
  const checks: Record<string, Check> = {};
  for (const [name, value] of Object.entries(rest)) if (typeof value === 'function') checks[name] = value as Check;
  return { checks, sources: sources as Record<string, string> };
}

/** The check `fastSafeParse` uses (for tests), or undefined when `schema` is left to zod. */
export function compiledCheck(schema: z.ZodType): Check | undefined {
  return compiledFor(schema) ?? undefined;
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
