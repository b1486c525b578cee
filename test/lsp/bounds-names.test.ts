// Type names in `typebounds`, `permissive` and `expandattribute` are occurrences like any other:
// definition from them reaches the declaration, references and rename include them, hover answers
// on them (the index once skipped these three statements, so a rename left them behind and the
// renamed policy no longer compiled).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Hover, Location, TextEdit, WorkspaceEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

// a policy without warnings (Xen's 13 initial SIDs), given the three statements in its TE section
const base = readFileSync(join(repoRoot, "test/fixtures/binary/initial-sids/xen.conf"), "utf8");
const text = base.replace(
  "bool guests_may_plug false;\n",
  "bool guests_may_plug false;\ntypebounds guest_a_t guest_b_t;\npermissive guest_b_t;\nexpandattribute { guest_type device_type } false;\npermissive guest_alias_t;\n",
);
const lines = text.split("\n");
const uri = pathToFileURL(join(repoRoot, "bounds-names.conf")).href;

function at(prefix: string, name: string): { line: number; character: number } {
  const line = lines.findIndex((l) => l.startsWith(prefix));
  const character = lines[line]!.search(new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`));
  expect(line >= 0 && character >= 0, `${prefix} / ${name}`).toBe(true);
  return { line, character };
}

function apply(edits: TextEdit[]): string {
  const out = [...lines];
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    const l = out[e.range.start.line]!;
    out[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return out.join("\n");
}

let c: TestClient;
beforeAll(async () => {
  c = await inProcess({ debounceMs: 20 });
  const got = c.diagnostics(uri);
  await c.open(uri, text);
  expect((await got).diagnostics).toEqual([]);
});
afterAll(async () => {
  await c.close();
});

const req = <T>(method: string, p: { line: number; character: number }, extra: object = {}) =>
  c.rpc.sendRequest(method, { textDocument: { uri }, position: p, ...extra }) as Promise<T>;

describe("typebounds, permissive and expandattribute in the language server", () => {
  it("the policy compiles with them (the statements are real)", () => {
    const run = compile(text, { file: "bounds-names.conf" });
    expect(run.ok ? [] : run.error.map((d) => d.message)).toEqual([]);
  });

  it("definition from a typebounds parent and child, a permissive type and an expandattribute attribute reaches the declaration", async () => {
    for (const [prefix, name, decl] of [
      ["typebounds", "guest_a_t", "type guest_a_t"],
      ["typebounds", "guest_b_t", "type guest_b_t"],
      ["permissive guest_b_t", "guest_b_t", "type guest_b_t"],
      ["expandattribute", "device_type", "attribute device_type"],
      ["permissive guest_alias_t", "guest_alias_t", "type guest_a_t"],
    ] as const) {
      const got = await req<Location | Location[]>("textDocument/definition", at(prefix, name));
      const loc = Array.isArray(got) ? got[0]! : got;
      expect(loc.range.start, `${prefix} / ${name}`).toEqual(at(decl, name));
    }
  });

  it("references include them", async () => {
    const refs = await req<Location[]>("textDocument/references", at("type guest_b_t", "guest_b_t"), { context: { includeDeclaration: true } });
    const refLines = refs.map((r) => lines[r.range.start.line]!.split(" ")[0]);
    expect(refLines).toEqual(expect.arrayContaining(["type", "typebounds", "permissive"]));
    const attr = await req<Location[]>("textDocument/references", at("attribute guest_type", "guest_type"), { context: { includeDeclaration: true } });
    expect(attr.some((r) => lines[r.range.start.line]!.startsWith("expandattribute"))).toBe(true);
  });

  it("hover on them answers as on the declaration", async () => {
    for (const [prefix, name] of [["typebounds", "guest_b_t"], ["permissive guest_b_t", "guest_b_t"], ["expandattribute", "guest_type"]] as const) {
      const h = await req<Hover | null>("textDocument/hover", at(prefix, name));
      expect(h, `${prefix} / ${name}`).not.toBeNull();
      expect(JSON.stringify(h!.contents)).toContain(name);
    }
  });

  it("rename changes them with the rest, and the renamed policy compiles", async () => {
    for (const [prefix, name, to] of [
      ["typebounds", "guest_a_t", "parent_t"],
      ["permissive guest_b_t", "guest_b_t", "child_t"],
      ["expandattribute", "guest_type", "guests"],
      ["expandattribute", "device_type", "devices"],
    ] as const) {
      const edit = await req<WorkspaceEdit>("textDocument/rename", at(prefix, name), { newName: to });
      const renamed = apply(edit.changes![uri]!);
      expect(renamed, `${name} -> ${to}`).toBe(text.replace(new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, "g"), to));
      const run = compile(renamed, { file: "renamed.conf" });
      expect(run.ok ? [] : run.error.map((d) => d.message)).toEqual([]);
    }
  });
});
