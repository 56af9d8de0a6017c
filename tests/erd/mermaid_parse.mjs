// Parse Mermaid erDiagrams with Mermaid's own parser, headless, and print what it read.
// Run with node from a directory whose node_modules holds `mermaid` (the test sets cwd):
//     node --input-type=module -e "$(cat mermaid_parse.mjs)" DIAGRAMS.json
// DIAGRAMS.json is a JSON list of diagram texts; the output is a JSON list with, for each,
// {"error": message} or {"entities": {name: {"alias", "attributes": [{type, name, keys,
// comment}]}}, "relationships": [{"a", "b", "role", "cardA", "cardB", "type"}]}.
import { readFileSync } from "node:fs";
import mermaid from "mermaid";

const texts = JSON.parse(readFileSync(process.argv[process.argv.length - 1], "utf8"));
// The first parse registers the diagram types, which getDiagramFromText needs.
await mermaid.parse("erDiagram\n  a {\n    int b\n  }\n");
const results = [];
for (const text of texts) {
  try {
    await mermaid.parse(text);
    const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db;
    const byId = {};
    const entities = {};
    for (const [name, entity] of db.getEntities()) {
      byId[entity.id] = name;
      entities[name] = { alias: entity.alias, attributes: entity.attributes };
    }
    const relationships = db.getRelationships().map((r) => ({
      a: byId[r.entityA], b: byId[r.entityB], role: r.roleA,
      cardA: r.relSpec.cardA, cardB: r.relSpec.cardB, type: r.relSpec.relType,
    }));
    results.push({ entities, relationships });
  } catch (e) {
    results.push({ error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results));
