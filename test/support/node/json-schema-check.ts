/**
 * A small JSON Schema checker for the request schemas vendored from Metabase's OpenAPI document
 * (test/support/metabase/api-subset.json): the keywords that document uses and nothing more.
 * Two deliberate readings of Metabase's schemas, which are malli schemas translated to OpenAPI:
 *  - `oneOf` is checked as "at least one" (malli `:or`/`:maybe`, whose branches may overlap);
 *  - a missing property that has a `default` is filled in before `required` is checked (malli's
 *    default transformer runs before validation).
 */
type Schema = Record<string, unknown>;
export interface SchemaError {
  path: string;
  message: string;
}

export function checkSchema(root: Schema, schema: Schema, value: unknown, path = '$'): SchemaError[] {
  const errors: SchemaError[] = [];
  const fail = (message: string) => errors.push({ path, message });
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = ((root.components as Schema)?.schemas as Record<string, Schema>)?.[name];
    if (!target) return [{ path, message: `unresolved $ref ${schema.$ref}` }];
    return checkSchema(root, target, value, path);
  }
  const branches = (key: string) => (schema[key] as Schema[] | undefined) ?? [];
  if (schema.oneOf || schema.anyOf) {
    const options = [...branches('oneOf'), ...branches('anyOf')];
    if (!options.some((s) => checkSchema(root, s, value, path).length === 0))
      fail(String(schema.description ?? 'matches none of the allowed forms'));
  }
  for (const s of branches('allOf')) errors.push(...checkSchema(root, s, value, path));
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) fail(`must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(`must be one of ${schema.enum.join(', ')}`);
  if (typeof schema.type === 'string' && !hasType(schema.type, value)) {
    fail(String(schema.description ?? `must be ${schema.type}`));
    return errors;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      fail(String(schema.description ?? `shorter than ${schema.minLength}`));
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      fail(String(schema.description ?? `does not match ${schema.pattern}`));
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum)
    fail(String(schema.description ?? `below ${schema.minimum}`));
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (schema.items) {
      value.forEach((v, i) => {
        errors.push(...checkSchema(root, schema.items as Schema, v, `${path}[${i}]`));
      });
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, s] of Object.entries(props)) if (!(k in obj) && 'default' in s) obj[k] = structuredClone(s.default);
    for (const k of (schema.required as string[] | undefined) ?? [])
      if (!(k in obj)) errors.push({ path: `${path}.${k}`, message: 'required' });
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...checkSchema(root, props[k]!, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push({ path: `${path}.${k}`, message: 'not allowed' });
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        errors.push(...checkSchema(root, schema.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  return errors;
}

function hasType(type: string, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return true;
  }
}
