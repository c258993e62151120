#!/usr/bin/env node
// Lint Neo4j Cypher queries with the official Neo4j linter (lintCypherQuery from
// @neo4j-cypher/language-support), all in one process.
//
// Usage:
//   node tools/cypher-lint/lint.mjs FILE.cypher [FILE.cypher ...]
//   node tools/cypher-lint/lint.mjs < queries.json
//
// stdin JSON is a list whose items are file paths or {"name", "text"} objects (rendered
// templates), or an object {"queries": [...], "labels": [...], "relationshipTypes": [...]}
// whose names make the linter report labels and relationship types that do not exist.
//
// Prints one JSON object: {"cypherVersion", "results": [{"name", "diagnostics": [...]}]};
// each diagnostic is {kind, severity, message, line, column} (line and column 1-based) with
// kind one of:
//   error                a syntax or semantic error
//   deprecation          a deprecated function, procedure or syntax (tagged Deprecated by the
//                        registry check, or a semantic notification whose text says so)
//   unknown-name         a label or relationship type missing from the given names
//   undefined-parameter  "Parameter $x is not defined.", recognised by the package's own
//                        isNotParamError: parameters are run-time values, never declared here
//   warning              anything else (cartesian product hints, unknown property keys)
// Exit status: 0 no error/deprecation/unknown-name, 1 some, 2 bad usage.

import { readFileSync } from 'node:fs';
import { isNotParamError, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

// Neo4j 5 servers run Cypher 5; deprecations there are removals in Cypher 25.
const CYPHER_VERSION = 'CYPHER 5';
// The package ships the function and procedure signatures of a Neo4j 5 server (with the
// APOC and GDS plugins). Our docker-compose runs plain Neo4j, so plugin names count as
// missing; everything else lets the linter flag unknown (e.g. LadybugDB-only) and
// deprecated functions.
const PLUGIN_PREFIXES = ['apoc.', 'gds.'];
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const DEPRECATED_TAG = 2; // vscode-languageserver-types DiagnosticTag.Deprecated
const UNKNOWN_NAME =
  /^(Label|Relationship type|Label or relationship type) \S+ is not present in the database/;
const FAILING = new Set(['error', 'deprecation', 'unknown-name']);

function withoutPlugins(registry) {
  const out = {};
  for (const [version, entries] of Object.entries(registry ?? {})) {
    out[version] = Object.fromEntries(
      Object.entries(entries).filter(([name]) => !PLUGIN_PREFIXES.some((p) => name.startsWith(p))),
    );
  }
  return out;
}

function kindOf(diagnostic) {
  if (!isNotParamError(diagnostic)) return 'undefined-parameter';
  if ((diagnostic.tags ?? []).includes(DEPRECATED_TAG) || /deprecat/i.test(diagnostic.message)) {
    return 'deprecation';
  }
  if (UNKNOWN_NAME.test(diagnostic.message)) return 'unknown-name';
  return diagnostic.severity === 1 ? 'error' : 'warning';
}

function readInput(argv) {
  if (argv.length > 0) return { queries: argv };
  const raw = readFileSync(0, 'utf8');
  const parsed = JSON.parse(raw);
  return Array.isArray(parsed) ? { queries: parsed } : parsed;
}

function lintOne(item, dbSchema) {
  const { name, text } =
    typeof item === 'string' ? { name: item, text: readFileSync(item, 'utf8') } : item;
  let diagnostics;
  try {
    diagnostics = lintCypherQuery(text, dbSchema).diagnostics;
  } catch (e) {
    return { name, diagnostics: [{ kind: 'error', severity: 'error', message: `linter crashed: ${e}`, line: 1, column: 1 }] };
  }
  return {
    name,
    diagnostics: diagnostics.map((d) => ({
      kind: kindOf(d),
      severity: SEVERITY[d.severity] ?? String(d.severity),
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
    })),
  };
}

function main() {
  let input;
  try {
    input = readInput(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`usage: node lint.mjs FILE.cypher ... | node lint.mjs < list.json\n${e}\n`);
    return 2;
  }
  const mock = testData.mockSchema;
  const dbSchema = {
    functions: withoutPlugins(mock.functions),
    procedures: withoutPlugins(mock.procedures),
    defaultLanguage: CYPHER_VERSION,
  };
  if (input.labels && input.relationshipTypes) {
    dbSchema.labels = input.labels;
    dbSchema.relationshipTypes = input.relationshipTypes;
  }
  const results = (input.queries ?? []).map((item) => lintOne(item, dbSchema));
  process.stdout.write(JSON.stringify({ cypherVersion: CYPHER_VERSION, results }, null, 1) + '\n');
  const failed = results.some((r) => r.diagnostics.some((d) => FAILING.has(d.kind)));
  return failed ? 1 : 0;
}

process.exitCode = main();
