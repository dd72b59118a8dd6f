/**
 * The JSON Schema (draft-07) of `*.grok.yaml` files, emitted from the one schema description in
 * ./schema.ts. The extension contributes the committed copy (schemas/grok.schema.json, written by
 * scripts/emitJsonSchema.mjs) to the YAML extension; a unit test checks that the copy is current.
 */
import { exclusivePaths, isGridLeaf, schemaPaths } from './grid';
import { fileSchema, type GridSchema, type NameRule, type ObjectSchema, type SchemaNode } from './schema';

type JsonSchema = { [keyword: string]: unknown };

/** A regular expression matching the names that a name rule forbids beyond its pattern. */
function forbiddenNamePattern(rule: NameRule): string {
  const anyCase = (word: string) =>
    [...word].map((character) => (/[A-Za-z]/.test(character) ? `[${character.toUpperCase()}${character.toLowerCase()}]` : character)).join('');
  // A device name with any extension (CON.txt), or a trailing dot, which Windows drops, or a reserved ending (run.json).
  const endings = rule.reservedEndings.map((ending) => `|.*${anyCase(ending).replace(/\./g, '\\.')}`).join('');
  return `^(?:(?:${rule.reservedDeviceNames.map(anyCase).join('|')})(?:\\..*)?|.*\\.${endings})$`;
}

class Emitter {
  readonly definitions: { [name: string]: JsonSchema } = {};

  node(schema: SchemaNode): JsonSchema {
    switch (schema.kind) {
      case 'integer':
        return {
          type: 'integer',
          description: schema.description,
          minimum: schema.minimum,
          maximum: schema.maximum,
          default: schema.default,
        };
      case 'number':
        return {
          type: 'number',
          description: schema.description,
          minimum: schema.minimum,
          exclusiveMinimum: schema.exclusiveMinimum,
          maximum: schema.maximum,
          exclusiveMaximum: schema.exclusiveMaximum,
          default: schema.default,
        };
      case 'enum':
        return { description: schema.description, enum: [...schema.values], default: schema.default };
      case 'boolean':
        return { type: 'boolean', description: schema.description, default: schema.default };
      case 'string':
        return { type: 'string', description: schema.description, maxLength: schema.maxLength };
      case 'tuple':
        return {
          type: 'array',
          description: schema.description,
          items: schema.items.map((item) => this.node(item)),
          additionalItems: false,
          minItems: schema.items.length,
          maxItems: schema.items.length,
          default: schema.default ? [...schema.default] : undefined,
        };
      case 'list':
        return {
          type: 'array',
          description: schema.description,
          items: this.node(schema.items),
          uniqueItems: schema.unique || undefined,
          minItems: schema.minItems,
          maxItems: schema.maxItems,
          default: schema.default ? [...schema.default] : undefined,
        };
      case 'oneOf':
        return { description: schema.description, default: schema.default, oneOf: schema.options.map((option) => this.node(option)) };
      case 'object':
        return this.object(schema);
      case 'map':
        return {
          type: schema.nullMeansEmpty ? ['object', 'null'] : 'object',
          description: schema.description,
          maxProperties: schema.maxEntries,
          propertyNames: {
            pattern: schema.names.pattern,
            maxLength: schema.names.maxLength,
            not: { pattern: forbiddenNamePattern(schema.names) },
          },
          additionalProperties: this.node(schema.values),
        };
      case 'grid':
        return this.grid(schema);
      default: {
        const unhandled: never = schema;
        throw new Error(`Unknown schema node ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /**
   * A grid as a mapping from every dotted path a grid may vary to a non-empty list of distinct values
   * of that key's schema, so that editors complete the paths. The limit on the expanded number of
   * conditions is the parser's to check.
   */
  private grid(schema: GridSchema): JsonSchema {
    const properties: { [path: string]: JsonSchema } = {};
    for (const [path, leaf] of schemaPaths(schema.target)) {
      if (!isGridLeaf(leaf)) continue;
      // The item repeats the key's bounds and values; its default means nothing inside a list.
      const { default: _default, description: _description, ...item } = this.node(leaf);
      properties[path] = {
        type: 'array',
        description: `Values of ${path} to try. ${leaf.description}`,
        items: item,
        minItems: 1,
        maxItems: schema.maxValues,
        uniqueItems: true,
      };
    }
    // `required` holds for anything that is not an object, so an empty grid (null) would fail a bare `not`.
    const exclusive = exclusivePaths(schema.target).map((pair) => {
      const notBoth = { not: { required: [...pair] } };
      return schema.nullMeansEmpty ? { anyOf: [{ type: 'null' }, notBoth] } : notBoth;
    });
    return {
      type: schema.nullMeansEmpty ? ['object', 'null'] : 'object',
      description: schema.description,
      properties,
      additionalProperties: false,
      allOf: exclusive.length > 0 ? exclusive : undefined,
    };
  }

  private object(schema: ObjectSchema): JsonSchema {
    if (schema.definition && this.definitions[schema.definition]) return { $ref: `#/definitions/${schema.definition}` };
    const properties: { [key: string]: JsonSchema } = {};
    for (const [key, property] of Object.entries(schema.properties)) properties[key] = this.node(property);
    const exclusive = (schema.exclusive ?? []).map((pair) => ({ not: { required: [...pair] } }));
    const emitted: JsonSchema = {
      type: schema.nullMeansEmpty ? ['object', 'null'] : 'object',
      description: schema.description,
      properties,
      additionalProperties: false,
      required: schema.required ? [...schema.required] : undefined,
      allOf: exclusive.length > 0 ? exclusive : undefined,
    };
    if (!schema.definition) return emitted;
    this.definitions[schema.definition] = emitted;
    return { $ref: `#/definitions/${schema.definition}` };
  }
}

/** Drops the keys whose value is undefined, recursively; returns a new value. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value !== null && typeof value === 'object') {
    const result: { [key: string]: unknown } = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) result[key] = withoutUndefined(entry);
    return result;
  }
  return value;
}

/** The draft-07 JSON Schema of a `*.grok.yaml` file: a new object on each call. */
export function grokJsonSchema(): object {
  const emitter = new Emitter();
  const root = emitter.node(fileSchema);
  return withoutUndefined({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Grokking Lab experiment file',
    ...root,
    definitions: emitter.definitions,
  }) as object;
}

/** The JSON Schema as the text committed in schemas/grok.schema.json (2-space indent, final newline). */
export function grokJsonSchemaText(): string {
  return `${JSON.stringify(grokJsonSchema(), null, 2)}\n`;
}
