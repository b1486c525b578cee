// xsm lsp on a policy tree (needs m4, so it runs with the live tools): rename of a type edits its
// resolved occurrences, placed through m4 in the .te/.if/policy files they came from (a macro's
// argument at the call that passed it), and nothing spelled alike: after the rename the tree builds
// to the same decisions under the new name.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TextEdit, WorkspaceEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTree, runM4 } from "../../src/build/index.js";
import { compile } from "../../src/policy/index.js";
import { inProcess, repoRoot, type TestClient } from "../lsp/client.js";

let dir: string;
let c: TestClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xsm-lsp-tree-"));
  cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
  // a device whose type is spelled like the resource permission it is set up with
  writeFileSync(join(dir, "modules/probe.te"), "# a probe card\ntype setup, resource_type;\nallow dom0_t setup:resource { setup use };\n");
  writeFileSync(join(dir, "modules/modules.conf"), `${readFileSync(join(dir, "modules/modules.conf"), "utf8")}\nprobe = on\n`);
  c = await inProcess({ debounceMs: 20 });
});
afterAll(async () => {
  await c?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A JSON value with object keys and arrays in one order, so a renamed type sorting elsewhere
 *  compares equal. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical).map((x) => JSON.stringify(x)).sort();
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
  return v;
}

/** The tree's decisions, as the compiler gives them (oracle-matrix's document without counts). */
function decisions(): string {
  const m4 = runM4(readTree(dir, { flaskDir: join(dir, "flask") }));
  const run = compile(m4.text, { file: "policy.conf" });
  if (!run.ok) throw new Error(run.error.map((d) => d.message).join("\n"));
  const doc = JSON.parse(run.value.policy.matrixJson()) as Record<string, unknown>;
  delete doc.stats;
  return JSON.stringify(doc);
}

function sameDecisions(a: string, b: string): boolean {
  return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
}

/** Applies a workspace edit to the files on disk (edits of a file from its end, so offsets hold). */
function apply(edit: WorkspaceEdit): void {
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
    const path = fileURLToPath(uri);
    const lines = readFileSync(path, "utf8").split("\n");
    const sorted = [...(edits as TextEdit[])].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    for (const e of sorted) {
      expect(e.range.start.line).toBe(e.range.end.line);
      const l = lines[e.range.start.line]!;
      lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    }
    writeFileSync(path, lines.join("\n"));
  }
}

/** Opens `file` of the tree and renames the name at (line starting with `prefix`, `name`). */
async function rename(file: string, prefix: string, name: string, newName: string): Promise<WorkspaceEdit> {
  const path = join(dir, file);
  const uri = pathToFileURL(path).href;
  const text = readFileSync(path, "utf8");
  const published = c.diagnostics(uri);
  await c.open(uri, text);
  expect((await published).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  const line = text.split("\n").findIndex((l) => l.startsWith(prefix));
  const position = { line, character: text.split("\n")[line]!.indexOf(name) };
  const edit = (await c.rpc.sendRequest("textDocument/rename", { textDocument: { uri }, position, newName })) as WorkspaceEdit;
  expect(edit).not.toBeNull();
  // every edit replaces the name itself
  for (const [u, edits] of Object.entries(edit.changes ?? {})) {
    const lines = readFileSync(fileURLToPath(u), "utf8").split("\n");
    for (const e of edits) expect(lines[e.range.start.line]!.slice(e.range.start.character, e.range.end.character), `${u}:${e.range.start.line + 1}`).toBe(name);
  }
  return edit;
}

describe("xsm lsp rename in a policy tree", () => {
  it("a type across the tree's files: declaration, alias, macro call arguments, device labels; comments untouched", async () => {
    const before = decisions();
    const edit = await rename("modules/nic_dev.te", "type nic_dev_t", "nic_dev_t", "eth_dev_t");
    const files = Object.keys(edit.changes!).map((u) => fileURLToPath(u).slice(dir.length + 1)).sort();
    expect(files).toEqual(["modules/nic_dev.te", "policy/device_contexts"]);
    const te = edit.changes![pathToFileURL(join(dir, "modules/nic_dev.te")).href]!;
    // type, typealias, admin_device(dom0_t, ...), use_device_noiommu(domU_t, ...): not the comment
    expect(te.map((e) => e.range.start.line + 1).sort((a, b) => a - b)).toEqual(
      readFileSync(join(dir, "modules/nic_dev.te"), "utf8").split("\n").flatMap((l, i) => (!l.startsWith("#") && /\bnic_dev_t\b/.test(l) ? [i + 1] : [])),
    );
    apply(edit);
    expect(sameDecisions(decisions(), before.replace(/(?<![A-Za-z0-9_])nic_dev_t(?![A-Za-z0-9])/g, "eth_dev_t"))).toBe(true);
  });

  it("a type named in many modules, in macro calls and in the initial SIDs: the tree means the same under the new name", async () => {
    const before = decisions();
    const edit = await rename("modules/dom0.te", "allow dom0_t xen_t:xen {", "dom0_t", "hwdom_t");
    const files = Object.keys(edit.changes!).map((u) => fileURLToPath(u).slice(dir.length + 1));
    expect(files).toContain("policy/initial_sids");
    apply(edit);
    const left = readTree(dir, { flaskDir: join(dir, "flask") }).sections.flatMap((f) =>
      readFileSync(join(dir, f), "utf8").split("\n").flatMap((l, i) => (!/^\s*#/.test(l) && /\bdom0_t\b/.test(l) ? [`${f}:${i + 1}: ${l}`] : [])),
    );
    expect(left).toEqual([]);
    expect(sameDecisions(decisions(), before.replace(/(?<![A-Za-z0-9_])dom0_t(?![A-Za-z0-9])/g, "hwdom_t"))).toBe(true);
  });

  it("a type spelled like a permission: the permission stays", async () => {
    const edit = await rename("modules/probe.te", "type setup", "setup", "probe_dev_t");
    apply(edit);
    expect(readFileSync(join(dir, "modules/probe.te"), "utf8")).toMatch(/^# a probe card\ntype probe_dev_t, resource_type;\nallow \w+ probe_dev_t:resource \{ setup use \};\n$/);
    expect(decisions()).toContain('"probe_dev_t"'); // and it still builds: `setup` is still a permission of resource
  });
});

/** Opens `file` of the tree and asks to rename the name at (line starting with `prefix`, `name`),
 *  which the server must refuse with a message matching `why`. */
async function refusedIn(file: string, prefix: string, name: string, newName: string, why: RegExp): Promise<void> {
  const path = join(dir, file);
  const uri = pathToFileURL(path).href;
  const text = readFileSync(path, "utf8");
  const published = c.diagnostics(uri);
  await c.open(uri, text);
  await published;
  const line = text.split("\n").findIndex((l) => l.startsWith(prefix));
  const position = { line, character: text.split("\n")[line]!.indexOf(name) };
  await expect(c.rpc.sendRequest("textDocument/rename", { textDocument: { uri }, position, newName })).rejects.toThrow(why);
}

/** The tree's lines (comments left out) that still name `name`. */
function naming(name: string): string[] {
  return readTree(dir, { flaskDir: join(dir, "flask") }).sections.flatMap((f) =>
    readFileSync(join(dir, f), "utf8").split("\n").flatMap((l, i) => (!/^\s*#/.test(l) && new RegExp(`\\b${name}\\b`).test(l) ? [`${f}:${i + 1}: ${l}`] : [])),
  );
}

describe("xsm lsp rename in a policy tree: roles, booleans, and what is refused", () => {
  it("a role across its module, the users (gen_user arguments) and the constraints", async () => {
    const edit = await rename("modules/vm_role.te", "role vm_r;", "vm_r", "guest_r");
    const files = Object.keys(edit.changes!).map((u) => fileURLToPath(u).slice(dir.length + 1));
    expect(files).toEqual(expect.arrayContaining(["modules/vm_role.te", "policy/users"]));
    apply(edit);
    expect(naming("vm_r")).toEqual([]);
    expect(naming("guest_r").length).toBeGreaterThan(3);
    decisions(); // it builds
  });

  it("a boolean declared by gen_bool: the call's argument and the conditional, not the comment", async () => {
    const edit = await rename("modules/prot_domU.te", "if (!prot_doms_locked)", "prot_doms_locked", "prot_locked");
    apply(edit);
    const te = readFileSync(join(dir, "modules/prot_domU.te"), "utf8");
    expect(te).toContain("gen_bool(prot_locked, false)");
    expect(te).toContain("if (!prot_locked)");
    expect(te).toContain("Once prot_doms_locked is set"); // the comment
    decisions();
  });

  it("refused: a type a macro puts together, and a rename that would leave a macro-made name behind", async () => {
    const before = readFileSync(join(dir, "modules/xenstore.te"), "utf8");
    // declared by declare_singleton_domain's `type $1_channel`: nowhere spelled whole
    await refusedIn("modules/xenstore.te", "create_channel(xenstore_t", "xenstore_t_channel", "store_channel_t", /xen\.if.*\$1_channel.*by hand/);
    // renaming xenstore_t renames the type the macro makes (store_t_channel), which line 17 still spells
    await refusedIn("modules/xenstore.te", "declare_singleton_domain(xenstore_t)", "xenstore_t", "store_t", /would not build as before: .*xenstore_t_channel/);
    expect(readFileSync(join(dir, "modules/xenstore.te"), "utf8")).toBe(before);
  });

  it("refused: an m4 interface's name or builtin as the new name", async () => {
    await refusedIn("modules/vm_role.te", "role guest_r;", "guest_r", "declare_domain", /m4 interface/);
    await refusedIn("modules/vm_role.te", "role guest_r;", "guest_r", "index", /m4 builtin/);
  });
});
