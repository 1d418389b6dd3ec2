// A small validator for the subset of OpenAPI 3.0 schemas docs/openapi.json uses: $ref, allOf,
// type, nullable, enum, required, properties, additionalProperties:false, items, min/max.
import { readFileSync } from 'node:fs';

export const spec = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));

function resolve(schema) {
  while (schema && schema.$ref) {
    const path = schema.$ref.replace(/^#\//, '').split('/');
    schema = path.reduce((node, key) => node[key], spec);
  }
  return schema;
}

export function validate(value, schema, where = '$') {
  schema = resolve(schema);
  const errors = [];
  if (!schema) return errors;
  if (schema.allOf) {
    for (const s of schema.allOf) errors.push(...validate(value, s, where));
    return errors;
  }
  if (value === null) {
    if (!schema.nullable && schema.type) errors.push(`${where}: null is not allowed`);
    return errors;
  }
  const t = schema.type;
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (t && !(t === actual || (t === 'number' && actual === 'integer'))) {
    errors.push(`${where}: expected ${t}, got ${actual}`);
    return errors;
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: ${JSON.stringify(value)} not in enum`);
  if (t === 'object') {
    for (const r of schema.required ?? []) if (!(r in value)) errors.push(`${where}.${r}: required`);
    for (const [k, v] of Object.entries(value)) {
      const ps = schema.properties?.[k];
      if (ps) errors.push(...validate(v, ps, `${where}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${where}.${k}: not in the schema`);
    }
  }
  if (t === 'array' && schema.items) value.forEach((v, i) => errors.push(...validate(v, schema.items, `${where}[${i}]`)));
  return errors;
}

// The documented response schema of an operation for a status, or undefined.
export function responseSchema(method, path, status) {
  const op = spec.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not documented`);
  let r = op.responses[String(status)];
  if (!r) throw new Error(`${method} ${path} does not document status ${status}`);
  r = resolve(r);
  return r.content?.['application/json']?.schema;
}
