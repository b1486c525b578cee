// Names m4 makes in a tree's interfaces (`type $1_self, ...` in xen.if's declare_domain): placed
// where the pattern that makes them is written, so that place has the names' semantic token,
// hover, definition and references; a bare `$2` that only passes a name on gets none when a call's
// argument makes it. The model's made places are checked against the text for the whole example
// tree; made.ts's matcher without a server at the end.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Hover, Location } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/lsp/job.js";
import { makes } from "../../src/lsp/made.js";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

const tree = join(repoRoot, "examples/xen-flask");
const xenIfPath = join(tree, "modules/xen.if");
const xenIf = readFileSync(xenIfPath, "utf8");
const xenIfUri = pathToFileURL(xenIfPath).href;
const lines = xenIf.split("\n");
/** The position of `word` on the first line that is `line` (after its indentation). */
function at(line: string, word: string, plus = 1) {
  const n = lines.findIndex((l) => l.trim() === line);
  expect(n, line).toBeGreaterThanOrEqual(0);
  return { line: n, character: lines[n]!.indexOf(word) + plus };
}
describe.skipIf(!hasM4)("names m4 makes (needs GNU m4)", () => {
  let c: TestClient;
  const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
    const first = c.diagnostics(xenIfUri);
    await c.open(xenIfUri, xenIf);
    await first;
  });
  afterAll(() => c.close());

  it("hover over `$1_self` where declare_domain declares it: every T_self it makes, and what the policy says of them", async () => {
    const hover = await req<Hover>("textDocument/hover", { textDocument: { uri: xenIfUri }, position: at("type $1_self, domain_type, domain_self_type;", "$1_self", 3) });
    const value = (hover.contents as { value: string }).value;
    // the modules modules.conf switches on that call declare_domain (debug_guest.te's is off)
    const made = ["dm_dom_t", "domU_t", "isolated_domU_t", "nomigrate_t", "prot_domU_t"].map((t) => `\`${t}_self\``);
    expect(value.split("\n")[0]).toBe(`m4 makes 5 names here from \`$1_self\`: ${made.join(", ")}`);
    expect(value).toContain("**type**");
    const start = at("type $1_self, domain_type, domain_self_type;", "$1_self", 0);
    expect(hover.range).toEqual({ start, end: { line: start.line, character: start.character + "$1_self".length } });
  });

  it("definition from an argument that makes the names: the declarations m4 makes them at", async () => {
    const defs = await req<Location[]>("textDocument/definition", { textDocument: { uri: xenIfUri }, position: at("declare_domain_common($1, $1_self)", "$1_self", 2) });
    expect(defs.length).toBeGreaterThan(0);
    for (const d of defs) {
      expect(fileURLToPath(d.uri)).toBe(xenIfPath);
      expect(lines[d.range.start.line]!.slice(d.range.start.character, d.range.end.character)).toBe("$1_self");
      expect(lines[d.range.start.line]!.trim()).toMatch(/^type \$1_self\b/);
    }
  });

  it("references from `$1_self`: the rules m4 makes with the names, the declarations left out when asked", async () => {
    const position = at("allow $1 $1_self:grant { map_read map_write copy unmap };", "$1_self", 1);
    const refs = await req<Location[]>("textDocument/references", { textDocument: { uri: xenIfUri }, position, context: { includeDeclaration: false } });
    const places = refs.filter((r) => r.uri === xenIfUri).map((r) => lines[r.range.start.line]!.trim());
    expect(places).toContain("allow $1 $1_self:grant { map_read map_write copy unmap };");
    expect(places).toContain("type_transition $1 $1:domain $1_self;");
    expect(places.some((p) => p.startsWith("type $1_self"))).toBe(false);
    const withDecl = await req<Location[]>("textDocument/references", { textDocument: { uri: xenIfUri }, position, context: { includeDeclaration: true } });
    expect(withDecl.length).toBeGreaterThan(refs.length);
  });

  it("a bare parameter a call's argument makes the name for has no hover of its own", async () => {
    expect(await req<Hover | null>("textDocument/hover", { textDocument: { uri: xenIfUri }, position: at("allow $1 $2:grant { query setup };", "$2", 1) })).toBeNull();
  });

  it("every made place of the example tree writes a pattern that makes its name, and never the name itself", () => {
    const m = runJob({ unit: "t", version: 1, origin: { kind: "tree", root: tree } });
    const index = m.index!;
    const texts = new Map<string, string[]>();
    let made = 0;
    for (let i = 0; i < index.name.length; i++) {
      if (!index.made?.[i]) continue;
      made++;
      const uri = index.files[index.file[i]!]!;
      if (!texts.has(uri)) texts.set(uri, readFileSync(fileURLToPath(uri), "utf8").split("\n"));
      const written = texts.get(uri)![index.line[i]!]!.slice(index.start[i]!, index.end[i]!);
      const name = index.names[index.name[i]!]!;
      expect(makes(written, name), `${written} -> ${name}`).toBe(true);
      expect(written).not.toBe(name);
    }
    expect(made).toBeGreaterThan(50);
  });
});

describe("made.ts: which written patterns make which names", () => {
  it("a parameter stands for any argument, the rest is written as it is", () => {
    expect(makes("$1_self", "dom0_t_self")).toBe(true);
    expect(makes("$1_self", "dom0_t")).toBe(false);
    expect(makes("xen_$1_$2", "xen_a_b")).toBe(true);
    expect(makes("$1", "anything")).toBe(true);
    // not a pattern: a name as written, m4 quotes, other characters
    expect(makes("dom0_t", "dom0_t")).toBe(false);
    expect(makes("e(`x$1", "e(`xy")).toBe(false);
    expect(makes("$1.x", "a.x")).toBe(false);
  });
});
