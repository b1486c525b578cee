// `xsm lint` in the editor: after a compile that succeeds the server publishes the same findings
// as `xsm lint` prints (codes, severities, messages, places, notes as related information), for a
// policy.conf and for a tree (examples/xen-flask, m4); reads the same .xsm-lint.json; stops when
// the client sets xsm.lint to false; greys out unused declarations; and offers the fixes that are
// certain (a duplicate rule's line, an unused boolean's declaration), each one edit that, applied,
// leaves the finding gone.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CodeAction, Diagnostic, PublishDiagnosticsParams } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LINT_CODES, XEN_LINT_CODES } from "../../src/lint/index.js";
import { xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

interface JsonNote { message: string; file: string | null; line: number | null; column: number | null }
interface JsonFinding extends JsonNote { code: string; severity: string; endLine: number | null; endColumn: number | null; notes: JsonNote[] }

/** `xsm lint --format json`'s findings, each as one comparable text, files named from `base`. */
async function cliFindings(target: string, base: string): Promise<string[]> {
  const r = await xsm("lint", "--format", "json", target);
  const doc = JSON.parse(r.stdout) as { diagnostics: JsonFinding[] };
  const file = (f: string | null) => (f === null ? "" : relative(base, resolve(repoRoot, f)));
  // a note of a macro's call names the file from where xsm ran; the editor, in the tree's words
  const noted = (m: string) => m.split(` at ${target}/`).join(" at ");
  return doc.diagnostics.map((d) =>
    [d.code, d.severity, `${file(d.file)}:${d.line}:${d.column}-${d.endLine}:${d.endColumn}`, d.message, ...d.notes.map((n) => `  ${file(n.file)}:${n.line}:${n.column} ${noted(n.message)}`)].join("\n"),
  );
}

/** A published diagnostic as cliFindings writes a finding. */
function asCli(uri: string, d: Diagnostic, base: string): string {
  const file = (u: string) => relative(base, fileURLToPath(u));
  const { start, end } = d.range;
  const place = `${file(uri)}:${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}`;
  const notes = (d.relatedInformation ?? []).map((r) => `  ${file(r.location.uri)}:${r.location.range.start.line + 1}:${r.location.range.start.character + 1} ${r.message}`);
  return [d.code, ["", "error", "warning", "info", "hint"][d.severity ?? 1], place, d.message, ...notes].join("\n");
}

/** The lint findings published, in no particular order across files; not the copies of a
 *  finding at the call of the macro it is in (the server's own addition for the file edited). */
function lintFindings(latest: Map<string, Diagnostic[]>, base: string): string[] {
  const out: string[] = [];
  for (const [uri, list] of latest) {
    for (const d of list) {
      const copy = / \(in expansion of `\w+`\)$/.test(d.message) && d.relatedInformation?.[0]?.message === d.message.replace(/ \(in expansion of `\w+`\)$/, "");
      if (LINT_CODES.has(String(d.code)) && !copy) out.push(asCli(uri, d, base));
    }
  }
  return out;
}

/** Answered once the analysis of the texts as they are now ends (its diagnostics are out). */
const analysed = (c: TestClient, uri: string) => c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri } });
const byCode = (p: PublishDiagnosticsParams, code: string) => p.diagnostics.filter((d) => d.code === code);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "xsm-lsp-lint-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("xsm lsp: lint findings", () => {
  it("a policy.conf: the findings `xsm lint` prints, with the same messages, places and notes", async () => {
    const path = join(repoRoot, "test/fixtures/lint/planted.conf");
    const uri = pathToFileURL(path).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      await c.open(uri, readFileSync(path, "utf8"));
      await analysed(c, uri);
      const editor = lintFindings(c.latest, repoRoot);
      expect(editor.length).toBeGreaterThan(5);
      expect(editor).toEqual(await cliFindings("test/fixtures/lint/planted.conf", repoRoot));
      // an unused declaration is greyed out; a duplicate is not
      const all = c.latest.get(uri)!;
      expect(all.filter((d) => String(d.code).startsWith("unused-")).every((d) => d.tags?.[0] === 1)).toBe(true);
      expect(all.find((d) => d.code === "duplicate-rule")?.tags).toBeUndefined();
    } finally {
      await c.close();
    }
  });

  it("the .xsm-lint.json beside the policy applies (a wrong one: lint-config.test.ts)", async () => {
    const dir = mkdtempSync(join(work, "config-"));
    const path = join(dir, "p.conf");
    const text = readFileSync(join(repoRoot, "test/fixtures/lint/planted.conf"), "utf8");
    writeFileSync(path, text);
    writeFileSync(join(dir, ".xsm-lint.json"), JSON.stringify({ severity: { "unused-type": "off", "duplicate-rule": "error", "unused-attribute": "info", "redundant-rule": "hint" } }));
    const uri = pathToFileURL(path).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, text);
      const p = await first;
      expect(byCode(p, "unused-type")).toEqual([]);
      expect(byCode(p, "duplicate-rule").length).toBeGreaterThan(0);
      expect(byCode(p, "duplicate-rule").every((d) => d.severity === 1)).toBe(true);
      // info and hint as LSP's Information and Hint
      expect(byCode(p, "unused-attribute").map((d) => d.severity)).toEqual([3]);
      expect(byCode(p, "redundant-rule").length).toBeGreaterThan(0);
      expect(byCode(p, "redundant-rule").every((d) => d.severity === 4)).toBe(true);
      expect(lintFindings(c.latest, dir)).toEqual(await cliFindings(path, dir));
    } finally {
      await c.close();
    }
  });

  it("xsm.lint false: only the compiler's diagnostics (and Xen's refusals); true again: the findings", async () => {
    const path = join(repoRoot, "test/fixtures/lint/planted.conf");
    const uri = pathToFileURL(path).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, readFileSync(path, "utf8"));
      expect(byCode(await first, "unused-type").length).toBeGreaterThan(0);
      const off = c.diagnostics(uri, (p) => byCode(p, "unused-type").length === 0);
      await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: { xsm: { lint: false } } });
      const p = await off;
      expect(p.diagnostics.filter((d) => LINT_CODES.has(String(d.code)) && !XEN_LINT_CODES.includes(String(d.code) as never))).toEqual([]);
      // what Xen's loader refuses is said with or without lint
      expect(byCode(p, "xen-common-prefix")).toHaveLength(1);
      const on = c.diagnostics(uri, (q) => byCode(q, "unused-type").length > 0);
      await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: { xsm: { lint: true } } });
      await on;
      const refused = c.message();
      await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: { xsm: { lint: "yes" } } });
      expect(await refused).toBe('1 xsm: xsm.lint: expected true or false; got "yes"; the settings are left as they were');
    } finally {
      await c.close();
    }
  });
});

/** A small policy with a duplicate rule and an unused boolean, each on its own line. */
const fixable = [
  "class xen",
  "sid xen",
  "class xen { settime readconsole }",
  "type xen_t;",
  "type dom0_t;",
  "bool spare false;",
  "bool debug false;",
  "allow dom0_t xen_t:xen settime;",
  "allow dom0_t xen_t:xen settime;   # again",
  "if (debug) { allow dom0_t xen_t:xen readconsole; }",
  "allow dom0_t xen_t:xen readconsole; allow dom0_t xen_t:xen readconsole;",
  "role system_r;",
  "role system_r types { xen_t dom0_t };",
  "user system_u roles system_r;",
  "sid xen system_u:system_r:xen_t",
  "",
].join("\n");

describe("xsm lsp: quick fixes of lint findings", () => {
  const path = join(repoRoot, "test/fixtures/lsp/fixable.conf");
  const uri = pathToFileURL(path).href;
  const fixesOf = (c: TestClient, d: Diagnostic) =>
    c.rpc.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } }) as Promise<CodeAction[]>;

  async function applyAndRelint(c: TestClient, text: string, d: Diagnostic, version: number): Promise<{ text: string; after: PublishDiagnosticsParams }> {
    const actions = await fixesOf(c, d);
    expect(actions).toHaveLength(1);
    const edits = actions[0]!.edit!.changes![uri]!;
    expect(edits).toHaveLength(1);
    const next = TextDocument.applyEdits(TextDocument.create(uri, "xsm-policy", 0, text), edits);
    const after = c.diagnostics(uri, (p) => p.version === version);
    await c.change(uri, version, next);
    return { text: next, after: await after };
  }

  it("a duplicate rule's line deleted, then an unused boolean's declaration removed: each finding gone, nothing else changed", async () => {
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, fixable);
      const p = await first;
      const dups = byCode(p, "duplicate-rule");
      // the line's own duplicate, and the second rule of the line that holds two (no fix: the line
      // is not the rule's alone)
      expect(dups.map((d) => d.range.start.line)).toEqual([8, 10]);
      expect(await fixesOf(c, dups[1]!)).toEqual([]);
      const one = await applyAndRelint(c, fixable, dups[0]!, 2);
      expect(one.text).toBe(fixable.replace("allow dom0_t xen_t:xen settime;   # again\n", ""));
      expect(byCode(one.after, "duplicate-rule").map((d) => d.range.start.line)).toEqual([9]);
      const unused = byCode(one.after, "unused-boolean");
      expect(unused.map((d) => d.message)).toEqual(["boolean spare is read by no conditional"]);
      expect(unused[0]!.tags).toEqual([1]);
      const two = await applyAndRelint(c, one.text, unused[0]!, 3);
      expect(two.text).toBe(one.text.replace("bool spare false;\n", ""));
      expect(byCode(two.after, "unused-boolean")).toEqual([]);
      expect(two.after.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
      // a fix worked out for an older text is not offered once the text there changed
      const stale = c.diagnostics(uri, (q) => q.version === 4);
      await c.change(uri, 4, two.text.replace("allow dom0_t xen_t:xen readconsole; allow", "allow dom0_t xen_t:xen readconsole;\nallow"));
      const d = byCode(await stale, "duplicate-rule")[0]!;
      await c.change(uri, 5, two.text.replace("allow dom0_t xen_t:xen readconsole; allow", "allow dom0_t xen_t:xen readconsole;\n  allow"));
      expect(await fixesOf(c, d)).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

describe.skipIf(!hasM4)("xsm lsp: lint findings in a policy tree (needs GNU m4)", () => {
  it("examples/xen-flask: the findings `xsm lint DIR` prints, in the tree's files; no quick fix for a macro's rule", async () => {
    const tree = join(repoRoot, "examples/xen-flask");
    const te = join(tree, "modules/domU.te");
    const uri = pathToFileURL(te).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      await c.open(uri, readFileSync(te, "utf8"));
      await analysed(c, uri);
      const editor = lintFindings(c.latest, tree);
      expect(editor.length).toBeGreaterThan(10);
      expect(editor.sort()).toEqual((await cliFindings("examples/xen-flask", tree)).sort());
      const dups = [...c.latest.values()].flat().filter((d) => d.code === "duplicate-rule");
      expect(dups.length).toBeGreaterThan(0);
      expect(dups.every((d) => (d.data as { fix?: unknown } | undefined)?.fix === undefined)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it("an interface called twice the same way: one finding at the second call, in the editor as in `xsm lint`", async () => {
    const tree = join(work, "repeat");
    cpSync(join(repoRoot, "examples/xen-flask"), tree, { recursive: true });
    const te = join(tree, "modules/domU.te");
    const text = `${readFileSync(te, "utf8")}domain_self_comms(domU_t)\n`;
    writeFileSync(te, text);
    const line = text.split("\n").length - 1;
    const firstLine = text.split("\n").findIndex((l) => l === "domain_self_comms(domU_t)") + 1;
    const uri = pathToFileURL(te).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      await c.open(uri, text);
      await analysed(c, uri);
      const here = c.latest.get(uri)!.filter((d) => d.code === "duplicate-rule" && !/\(in expansion of `\w+`\)$/.test(d.message));
      expect(here.map((d) => [d.range.start.line + 1, d.message])).toEqual([[line, `this call repeats the one at modules/domU.te:${firstLine}: every rule it makes is already there`]]);
      expect(lintFindings(c.latest, tree).sort()).toEqual((await cliFindings(tree, tree)).sort());
    } finally {
      await c.close();
    }
  });

  it("an unused boolean of a tree (gen_bool in a .te, or a bool statement): its line removed where nothing else in the tree names it", async () => {
    const tree = join(work, "bools");
    cpSync(join(repoRoot, "examples/xen-flask"), tree, { recursive: true });
    const te = join(tree, "modules/guest_features.te");
    // spare_flag and plain_flag are named nowhere else; noted_flag is named in another module's
    // comment (removing its line could be wrong: no fix); a gen_bool sharing its line, none either
    writeFileSync(join(tree, "modules/nic_dev.te"), `${readFileSync(join(tree, "modules/nic_dev.te"), "utf8")}# noted_flag: kept for the next release\n`);
    const text = `${readFileSync(te, "utf8")}gen_bool(spare_flag, false)   # not used yet\nbool plain_flag true;\ngen_bool(noted_flag, false)\ngen_bool(shared_flag, false) type shared_t;\n`;
    writeFileSync(te, text);
    const uri = pathToFileURL(te).href;
    const fixesAt = (d: Diagnostic) => c.rpc.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } }) as Promise<CodeAction[]>;
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(uri, (p) => byCode(p, "unused-boolean").length > 0);
      await c.open(uri, text);
      const unused = byCode(await first, "unused-boolean");
      const byName = new Map(unused.map((d) => [/^boolean (\S+) /.exec(d.message)![1]!, d]));
      expect([...byName.keys()].sort()).toEqual(["noted_flag", "plain_flag", "shared_flag", "spare_flag"]);
      expect(await fixesAt(byName.get("noted_flag")!)).toEqual([]);
      expect(await fixesAt(byName.get("shared_flag")!)).toEqual([]);
      let current = text;
      let version = 1;
      for (const [name, line] of [["spare_flag", "gen_bool(spare_flag, false)   # not used yet\n"], ["plain_flag", "bool plain_flag true;\n"]] as const) {
        const d = c.latest.get(uri)!.find((x) => x.code === "unused-boolean" && x.message.startsWith(`boolean ${name} `))!;
        const actions = await fixesAt(d);
        expect(actions.map((a) => a.title)).toEqual([`Remove the unused boolean ${name}`]);
        const edits = actions[0]!.edit!.changes![uri]!;
        expect(edits).toHaveLength(1);
        const next = TextDocument.applyEdits(TextDocument.create(uri, "xsm-policy", 0, current), edits);
        expect(next).toBe(current.replace(line, ""));
        const after = c.diagnostics(uri, (p) => p.version === undefined && !byCode(p, "unused-boolean").some((x) => x.message.startsWith(`boolean ${name} `)));
        await c.change(uri, ++version, next);
        const p = await after;
        // the tree still builds and compiles: no error, the other findings as they were
        expect(p.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
        current = next;
      }
      // what the editor shows is what `xsm lint DIR` says of the tree as the fixes left it
      writeFileSync(te, current);
      const lint = await cliFindings(tree, tree);
      expect(lint.filter((f) => f.startsWith("unused-boolean")).map((f) => f.split("\n")[3])).toEqual(["boolean noted_flag is read by no conditional", "boolean shared_flag is read by no conditional"]);
    } finally {
      await c.close();
    }
  });

  it("a module switched on twice: modules.conf's finding published though the policy does not compile, as `xsm lint DIR` says it", async () => {
    const tree = join(work, "twice");
    cpSync(join(repoRoot, "examples/xen-flask"), tree, { recursive: true });
    const conf = join(tree, "modules/modules.conf");
    writeFileSync(conf, `${readFileSync(conf, "utf8")}xenstore = on\n`);
    const te = join(tree, "modules/xenstore.te");
    const uri = pathToFileURL(te).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      await c.open(uri, readFileSync(te, "utf8"));
      await analysed(c, uri);
      const switches = (c.latest.get(pathToFileURL(conf).href) ?? []).filter((d) => d.code === "module-switch");
      expect(switches.map((d) => d.message)).toEqual([expect.stringMatching(/^module `xenstore` is switched on again \(first at line \d+\): the Makefile hands its files to m4 twice/)]);
      // the compile's errors are there too (everything in xenstore.te declared twice)
      expect([...c.latest.values()].flat().some((d) => d.severity === 1 && d.code !== "module-switch")).toBe(true);
      const cli = (await cliFindings(tree, tree)).filter((f) => f.startsWith("module-switch"));
      expect(lintFindings(c.latest, tree).filter((f) => f.startsWith("module-switch"))).toEqual(cli);
    } finally {
      await c.close();
    }
  });
});
