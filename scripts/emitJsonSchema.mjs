// Writes schemas/grok.schema.json, the JSON Schema of *.grok.yaml files, from the one schema
// description in src/shared/config/schema.ts. Run after changing the schema:
//   node scripts/emitJsonSchema.mjs
// test/unit/config.test.ts fails while the committed file differs from what this writes.
import fs from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(import.meta.dirname, '..');
const { grokJsonSchemaText } = await tsImport('../src/shared/config/jsonSchema.ts', import.meta.url);
const output = path.join(root, 'schemas', 'grok.schema.json');
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output, grokJsonSchemaText());
console.log(`Wrote ${path.relative(root, output)}`);
