// Parse DBML with dbdiagram.io's own parser (@dbml/core), headless, and print what it read.
// Run with node from a directory whose node_modules holds `@dbml/core` (the test sets cwd):
//     node --input-type=module -e "$(cat dbml_parse.mjs)" DOCUMENTS.json
// The output is a JSON list with, for each document, {"error": message} or {"tables":
// [{schema, name, fields: [{name, type}]}], "refs": [{name, endpoints: [{schema, table,
// fields, relation}]}]}.
import { readFileSync } from "node:fs";
import * as dbml from "@dbml/core";

const texts = JSON.parse(readFileSync(process.argv[process.argv.length - 1], "utf8"));
const results = [];
for (const text of texts) {
  try {
    const db = dbml.Parser.parse(text, "dbml");
    const tables = [];
    const refs = [];
    for (const schema of db.schemas) {
      for (const t of schema.tables) {
        tables.push({ schema: schema.name, name: t.name,
                      fields: t.fields.map((f) => ({ name: f.name, type: f.type.type_name })) });
      }
      for (const r of schema.refs) {
        refs.push({ name: r.name, endpoints: r.endpoints.map((e) => ({
          schema: e.schemaName, table: e.tableName, fields: e.fieldNames, relation: e.relation })) });
      }
    }
    results.push({ tables, refs });
  } catch (e) {
    const diags = e && e.diags ? e.diags.map((d) => `${d.message} at ${JSON.stringify(d.location)}`) : null;
    results.push({ error: diags ? diags.join("; ") : String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results));
