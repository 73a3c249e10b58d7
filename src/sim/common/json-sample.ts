/**
 * A value that conforms to a JSON Schema, for tool arguments and structured output when no script
 * says otherwise: strings → "sample", numbers → 1, booleans → true, arrays of one item (or
 * minItems), objects with every declared property. Enough of JSON Schema for what LLM tools use.
 */

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: Schema): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!isSchema(node)) return undefined;
    node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

const STRING_FORMATS: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00',
  email: 'sample@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
};

export function sampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > 12) return {};
  const rootSchema = isSchema(root) ? root : schema;
  if (typeof schema.$ref === 'string') return sampleFromSchema(resolveRef(schema.$ref, rootSchema), rootSchema, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const nonNull = options.find((o) => !(isSchema(o) && o.type === 'null')) ?? options[0];
      return sampleFromSchema(nonNull, rootSchema, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Record<string, unknown> = {};
    for (const part of schema.allOf) {
      const value = sampleFromSchema(part, rootSchema, depth + 1);
      if (isSchema(value)) Object.assign(merged, value);
    }
    return merged;
  }

  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      const format = typeof schema.format === 'string' ? STRING_FORMATS[schema.format] : undefined;
      if (format !== undefined) return format;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      return 'sample'.padEnd(min, 'x');
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
      const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
      if (min !== undefined && min > 1) return type === 'integer' ? Math.ceil(min) : min;
      if (max !== undefined && max < 1) return type === 'integer' ? Math.floor(max) : max;
      return 1;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: count }, () => sampleFromSchema(schema.items ?? { type: 'string' }, rootSchema, depth + 1));
    }
    default: {
      const props = isSchema(schema.properties) ? schema.properties : undefined;
      if (type === 'object' || props !== undefined) {
        const out: Record<string, unknown> = {};
        for (const [name, propSchema] of Object.entries(props ?? {})) {
          out[name] = sampleFromSchema(propSchema, rootSchema, depth + 1);
        }
        // Required names without a declared schema still get a value: the schema demands them.
        if (Array.isArray(schema.required)) {
          for (const name of schema.required) if (typeof name === 'string' && !(name in out)) out[name] = 'sample';
        }
        return out;
      }
      return 'sample';
    }
  }
}
