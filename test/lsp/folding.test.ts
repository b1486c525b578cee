// textDocument/foldingRange: braces and parentheses over several lines (the closing line kept in
// view when the closer starts it), runs of comment lines, a policy.conf's sections from its parsed
// statements; an m4 source's define bodies and `dnl` runs; any text gives ranges a client accepts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import type { MessageConnection } from "vscode-jsonrpc/node.js";
import type { FoldingRange, InitializeResult } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldingRanges } from "../../src/lsp/folding.js";
import { runJob } from "../../src/lsp/job.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

const policy = [
  "# a policy", // 0
  "# to fold",
  "class c",
  "sid s",
  "class c { p q",
  "  r }", // 5
  "type t;",
  "bool b true;",
  "if (b) {",
  "  allow t t:c p;",
  "  allow t t:c q;", // 10
  "} else {",
  "  allow t t:c { p", // a set over two lines, its `}` not first on its line
  "    r };",
  "}",
  "platform svp supervisor {", // 15
  "    hwdom h_t;",
  "    device d_t { 0000:03:00.0 };",
  "}",
  "role r types { t h_t d_t };",
  "user u roles r;", // 20
  "constrain c p",
  "  (t1 == t",
  "   or t2 == t); # a note",
  "sid s u:r:t",
  "",
].join("\n");
const path = join(repoRoot, "test/fixtures/lsp/folding.conf");
const uri = pathToFileURL(path).href;
const sectionsOf = (text: string) => runJob({ unit: "u", version: 1, origin: { kind: "conf", uri }, file: path, text }).sections;
const show = (rs: FoldingRange[]) => rs.map((r) => `${r.startLine}-${r.endLine}${r.kind ? ` ${r.kind}` : ""}`);

describe("folding ranges", () => {
  it("a policy.conf: comments, a class's permissions, if and else, a set, a platform, a constraint, the sections", () => {
    expect(sectionsOf(policy)).toEqual([
      { name: "classes", start: 2, end: 2 },
      { name: "initial SIDs", start: 3, end: 3 },
      { name: "access vectors", start: 4, end: 5 },
      { name: "TE and RBAC statements", start: 6, end: 19 },
      { name: "users", start: 20, end: 20 },
      { name: "constraints", start: 21, end: 23 },
      { name: "initial SID contexts", start: 24, end: 24 },
    ]);
    expect(show(foldingRanges(policy, false, sectionsOf(policy)))).toEqual([
      "0-1 comment",
      "4-5 region", // the access vectors' section, and the class's braces that start on its line
      "6-19 region",
      "8-10", // if: up to the line before `} else {`
      "11-13", // else
      "12-13", // the set: its `}` ends a line that holds more, which folds with it
      "15-17", // the platform block; its `}` stays in view
      "21-23 region",
      "22-23", // the constraint's expression
    ]);
    // a section folds to its name
    expect(foldingRanges(policy, false, sectionsOf(policy)).find((r) => r.startLine === 6)?.collapsedText).toBe("TE and RBAC statements");
  });

  it("an m4 interface file: define bodies up to their closing quote, comment runs, dnl", () => {
    const xenIf = readFileSync(join(repoRoot, "examples/xen-flask/modules/xen.if"), "utf8");
    const lines = xenIf.split("\n");
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const got = show(foldingRanges(xenIf, true));
    const define = at("define(`declare_domain',");
    const close = lines.findIndex((l, k) => k > define && l.startsWith("')"));
    expect(got).toContain(`${define}-${close - 1}`);
    expect(got).toContain(`${at("# declare_domain(type")}-${define - 1} comment`);
    const text = "dnl one\ndnl two\ndefine(`m', `\n\tallow $1 self:c { p\n\t\tq };\n')dnl\n";
    expect(show(foldingRanges(text, true))).toEqual(["0-1 comment", "2-4", "3-4"]);
  });

  it("any text: each range inside the document, its end after its start, one per first line", () => {
    const base = policy;
    const pieces = ["\n", "\r\n", "{", "}", "(", ")", "#", "\"", "`", "'", "dnl ", "$", "$#", "x", " "];
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), piece: fc.constantFrom(...pieces), cut: fc.nat({ max: 4 }) }), { maxLength: 15 }), fc.boolean(), (edits, m4) => {
        let t = base;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.piece + t.slice(at + e.cut);
        }
        const count = t.split(/\r\n|\r|\n/).length;
        const rs = foldingRanges(t, m4, m4 ? undefined : sectionsOf(t));
        for (const r of rs) {
          expect(r.startLine).toBeGreaterThanOrEqual(0);
          expect(r.endLine).toBeGreaterThan(r.startLine);
          expect(r.endLine).toBeLessThan(count);
          expect([undefined, "comment", "region"]).toContain(r.kind);
        }
        expect(new Set(rs.map((r) => r.startLine)).size).toBe(rs.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe("textDocument/foldingRange over the protocol", () => {
  let client: TestClient & { init: InitializeResult };
  let rpc: MessageConnection;
  beforeAll(async () => {
    client = await inProcess({ debounceMs: 20 });
    rpc = client.rpc;
    const first = client.diagnostics(uri);
    await client.open(uri, policy);
    await first;
  });
  afterAll(() => rpc.dispose());

  it("the document's ranges, its sections from its analysis; a text newer than its analysis folds without them", async () => {
    expect(client.init.capabilities.foldingRangeProvider).toBe(true);
    expect(await rpc.sendRequest("textDocument/foldingRange", { textDocument: { uri } })).toEqual(foldingRanges(policy, false, sectionsOf(policy)));
    // the change is not analysed yet (its quiet time has not passed): no sections
    const edited = `# new\n${policy}`;
    await rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    expect(show(await rpc.sendRequest<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } })).filter((r) => r.endsWith("region"))).toEqual([]);
    await client.diagnostics(uri);
    expect(show(await rpc.sendRequest<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } })).filter((r) => r.endsWith("region"))).toEqual(["5-6 region", "7-20 region", "22-24 region"]);
    expect(await rpc.sendRequest("textDocument/foldingRange", { textDocument: { uri: "file:///nowhere.conf" } })).toEqual([]);
    await expect(rpc.sendRequest("textDocument/foldingRange", {})).rejects.toThrow("params.textDocument: expected an object { uri }");
  });
});
