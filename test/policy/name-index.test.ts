// The index reads a set the scanner kept as names (ScannedSet) from the offsets the scanner finds
// again, without making its Idents: the same occurrences, in the same order, as from the Idents
// of the same AST made plain (every set's include and exclude lists as the grammar gives them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { indexNames, type NameIndex } from "../../src/policy/name-index.js";
import type { PolicyAst } from "../../src/policy/ast.js";
import { parsePolicy } from "../../src/policy/parse.js";

const repoRoot = join(import.meta.dirname, "../..");

function rows(ix: NameIndex): string[] {
  return Array.from({ length: ix.count }, (_, i) => `${ix.names[ix.name[i]!]} ${ix.kind[i]} ${ix.decl[i]} ${ix.owner[i]! < 0 ? "" : ix.names[ix.owner[i]!]} ${ix.offset[i]}`);
}

describe("the name index", () => {
  it("the generated policy has sets with `-` and `~`", () => {
    expect(readFileSync(join(repoRoot, "test/fixtures/oracle/seed-001.conf"), "utf8")).toMatch(/\{[^}]* -[A-Za-z][\s\S]*~\{/);
  });
  for (const file of ["test/fixtures/oracle/seed-001.conf", "examples/xen-flask/policy.conf", "examples/svp/svp.conf"]) {
    it(`${file}: sets read by offset give the occurrences their Idents give`, () => {
      const text = readFileSync(join(repoRoot, file), "utf8");
      const { ast } = parsePolicy(text, file);
      // JSON makes every node plain: a ScannedSet's toJSON reads its Idents
      const plain = JSON.parse(JSON.stringify(ast, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as PolicyAst;
      const fromIdents = rows(indexNames(plain));
      expect(fromIdents.length).toBeGreaterThan(100);
      expect(rows(indexNames(ast))).toEqual(fromIdents);
    });
  }
});
