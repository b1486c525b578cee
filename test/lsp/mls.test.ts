// xsm lsp on an MLS policy.conf: with --mls (ServerOptions.mls, or initializationOptions
// {"mls": true}) it compiles as checkpolicy -M and publishes no error; without it, the one error
// that says to use -M; an MLS error is located at its line. Sensitivities and categories (and their
// aliases) have hover, definition, references and outline entries, `c0.c3` counting as two names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DocumentSymbol, Hover, Location } from "vscode-languageserver";
import { describe, expect, it } from "vitest";
import { inProcess, repoRoot } from "./client.js";

const path = join(repoRoot, "test/fixtures/mls/devices.conf");
const text = readFileSync(path, "utf8");
const uri = pathToFileURL(path).href;
/** The fixture declares 3 initial SIDs, not Xen's 13: the one warning that says so
 *  (test/lsp/initial-sids.test.ts) is not what these tests are about. */
const notIsids = <D extends { code?: unknown }>(ds: D[]) => ds.filter((d) => d.code !== "initial-sid-order");

describe("xsm lsp --mls", () => {
  it("an MLS policy compiles clean; an MLS error is at its line", async () => {
    const c = await inProcess({ debounceMs: 50, mls: true });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, text);
      expect(notIsids((await first).diagnostics)).toEqual([]);
      const lines = text.split("\n");
      const line = lines.findIndex((l) => l.startsWith("range_transition dom0_t nic_t:resource"));
      const broken = text.replace("range_transition dom0_t nic_t:resource s0 - s1:c0;", "range_transition dom0_t nic_t:resource s0 - s7:c0;");
      const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await c.change(uri, 2, broken);
      const d = (await got).diagnostics;
      expect(d.length).toBeGreaterThan(0);
      expect(d[0]!.range.start.line).toBe(line);
      expect(d[0]!.message).toMatch(/s7/);
    } finally {
      c.close();
    }
  });

  it("without it, the MLS policy is one error that says to use -M", async () => {
    const c = await inProcess({ debounceMs: 50 });
    try {
      const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await c.open(uri, text);
      const d = (await got).diagnostics;
      expect(d).toHaveLength(1);
      expect(d[0]!.message).toMatch(/-M/);
    } finally {
      c.close();
    }
  });
});

describe("xsm lsp: sensitivities and categories", () => {
  const lines = text.split("\n");
  const at = (prefix: string, word: string, nth = 0) => {
    const line = lines.findIndex((l) => l.startsWith(prefix));
    let character = -1;
    for (let i = 0; i <= nth; i++) character = lines[line]!.indexOf(word, character + 1);
    expect(line >= 0 && character >= 0, `${prefix} / ${word}`).toBe(true);
    return { line, character };
  };
  const uses = (name: string) => text.split("\n").filter((l) => !l.startsWith("#")).join("\n").match(new RegExp(`\\b${name}\\b`, "g"))!.length;

  it("hover, definition, references and the outline", async () => {
    const c = await inProcess({ debounceMs: 50, mls: true });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, text);
      expect(notIsids((await first).diagnostics)).toEqual([]);
      const req = <T>(method: string, p: { line: number; character: number }, extra: object = {}) => c.rpc.sendRequest(method, { textDocument: { uri }, position: p, ...extra }) as Promise<T>;
      const hover = async (p: { line: number; character: number }) => ((await req<Hover>("textDocument/hover", p)).contents as { value: string }).value;

      expect(await hover(at("range_transition dom0_t nic_t", "s1"))).toBe("**sensitivity** `s1`\n- dominance: 2 of 3, lowest first\n- aliases: `secret`\n- categories its level allows: `c0`, `c1`, `c2`, `c3`");
      expect(await hover(at("user vm_u", "secret"))).toMatch(/^\*\*alias\*\* `secret` of sensitivity `s1`\n/);
      expect(await hover(at("pirqcon 33", "blue"))).toBe("**alias** `blue` of category `c1`\n- aliases: `blue`\n- allowed at: `s0`, `s1`, `s2`");
      // the second name of a range `c0.c3`
      expect(await hover(at("sid dom0 system_u", "c3"))).toBe("**category** `c3`\n- aliases: none\n- allowed at: `s1`, `s2`");

      const def = await req<Location[]>("textDocument/definition", at("sid dom0 system_u", "c3"));
      expect(def.map((l) => l.range.start)).toEqual([at("category c3", "c3")]);
      const aliasDef = await req<Location[]>("textDocument/definition", at("pirqcon 33", "secret"));
      expect(aliasDef.map((l) => l.range.start)).toEqual([at("sensitivity s1 alias secret", "secret")]);

      for (const [prefix, name] of [["category c1", "c1"], ["sensitivity s0", "s0"], ["sensitivity s2", "s2"]] as const) {
        const refs = await req<Location[]>("textDocument/references", at(prefix, name), { context: { includeDeclaration: true } });
        expect(refs.length, name).toBe(uses(name));
        expect(refs.every((l) => text.split("\n")[l.range.start.line]!.slice(l.range.start.character, l.range.end.character) === name)).toBe(true);
      }

      const syms = await c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri } }) as DocumentSymbol[];
      expect(syms.filter((x) => x.detail === "sensitivity" || x.detail === "category").map((x) => x.name)).toEqual(["s0", "s1", "s2", "c0", "c1", "c2", "c3"]);
      // an alias is declared in its sensitivity's (category's) statement: under it
      expect(Object.fromEntries(syms.filter((x) => x.children && x.detail !== "class" && x.detail !== "class (permissions)" && x.detail !== "common").map((x) => [x.name, x.children!.map((k) => `${k.detail} ${k.name}`)]))).toEqual({ s1: ["sensitivity secret"], c1: ["category blue"] });
    } finally {
      c.close();
    }
  });
});
