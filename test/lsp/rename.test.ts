// xsm lsp rename at the protocol level, on policy.conf documents: every kind a policy author can
// rename (types, attributes, aliases, roles, users, booleans, platforms with the attributes they
// make, sensitivities and categories with their aliases) comes back as exactly the edits that turn
// the text into the same text with that one name changed, and the renamed policy compiles; a Xen
// class, permission, common or initial SID, a new name that is not a name, is a keyword or is taken,
// and a text that does not parse are refused with the reason, and nothing is edited. Trees (m4) are
// in test/oracle/lsp-tree.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TextEdit, WorkspaceEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

interface Doc {
  uri: string;
  text: string;
  version: number;
}

let c: TestClient;
let mlsClient: TestClient;
beforeAll(async () => {
  c = await inProcess({ debounceMs: 20 });
  mlsClient = await inProcess({ debounceMs: 20, mls: true });
});
afterAll(async () => {
  await c.close();
  await mlsClient.close();
});

async function open(client: TestClient, file: string, text = readFileSync(join(repoRoot, file), "utf8")): Promise<Doc> {
  // a uri of its own per test, so tests do not share a document
  const uri = pathToFileURL(join(repoRoot, file)).href + `?${Math.random().toString(36).slice(2)}`;
  const got = client.diagnostics(uri);
  await client.open(uri, text);
  expect((await got).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  return { uri, text, version: 1 };
}

/** The position of the `nth` whole-word `name` on the first line starting with `prefix`. */
function at(doc: Doc, prefix: string, name: string, nth = 0): { line: number; character: number } {
  const lines = doc.text.split("\n");
  const line = lines.findIndex((l) => l.startsWith(prefix));
  const hits = [...lines[line]!.matchAll(new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, "g"))];
  expect(line >= 0 && hits.length > nth, `${prefix} / ${name}`).toBe(true);
  return { line, character: hits[nth]!.index! };
}

function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    expect(e.range.start.line).toBe(e.range.end.line);
    const l = lines[e.range.start.line]!;
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join("\n");
}

const word = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, "g");

async function rename(client: TestClient, doc: Doc, p: { line: number; character: number }, newName: string): Promise<string> {
  const range = await client.rpc.sendRequest("textDocument/prepareRename", { textDocument: { uri: doc.uri }, position: p });
  expect(range).not.toBeNull();
  const edit = (await client.rpc.sendRequest("textDocument/rename", { textDocument: { uri: doc.uri }, position: p, newName })) as WorkspaceEdit;
  expect(Object.keys(edit.changes!)).toEqual([doc.uri]);
  return apply(doc.text, edit.changes![doc.uri]!);
}

async function refused(client: TestClient, doc: Doc, p: { line: number; character: number }, newName: string, why: RegExp, prepare = false): Promise<void> {
  const method = prepare ? "textDocument/prepareRename" : "textDocument/rename";
  await expect(client.rpc.sendRequest(method, { textDocument: { uri: doc.uri }, position: p, newName })).rejects.toThrow(why);
}

function compiles(text: string, mls = false): void {
  const run = compile(text, { file: "renamed.conf", mls });
  expect(run.ok ? [] : run.error.map((d) => `${d.span?.line}: ${d.message}`)).toEqual([]);
}

describe("rename in a policy.conf: every renamable kind", () => {
  it("a role, a user and a boolean: the text with that name changed, and it compiles", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    for (const [prefix, name, to] of [
      ["role vm_r types", "vm_r", "guest_r"],
      ["user vm_u", "vm_u", "guest_u"],
      ["if (guests_may_plug)", "guests_may_plug", "plug_ok"],
      ["user system_u", "system_r", "hw_r"], // used in a constraint (r1 == system_r) and contexts
      ["sid xen system_u", "system_u", "xen_u"],
    ] as const) {
      const renamed = await rename(c, doc, at(doc, prefix, name), to);
      expect(renamed, `${name} -> ${to}`).toBe(doc.text.replace(word(name), to));
      compiles(renamed);
    }
  });

  it("an alias alone, an attribute everywhere it stands (sets, roles, declarations)", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    expect(await rename(c, doc, at(doc, "type guest_a_t", "guest_alias_t"), "guest_first_t")).toBe(doc.text.replace(word("guest_alias_t"), "guest_first_t"));
    const renamed = await rename(c, doc, at(doc, "role vm_r types", "guest_type"), "guests");
    expect(renamed).toBe(doc.text.replace(word("guest_type"), "guests"));
    compiles(renamed);
  });

  it("MLS: a sensitivity and not its alias, a category inside `c0.c1` and `blue.c3`, an alias alone", async () => {
    const doc = await open(mlsClient, "test/fixtures/mls/devices.conf");
    for (const [prefix, name, to] of [
      ["sensitivity s1", "s1", "s5"],
      ["level s0:c0.c1", "c1", "c9"],
      ["pirqcon 33", "c3", "c30"],
      ["category c1 alias blue", "blue", "azure"],
      ["user vm_u", "secret", "classified"],
    ] as const) {
      const renamed = await rename(mlsClient, doc, at(doc, prefix, name), to);
      expect(renamed, `${name} -> ${to}`).toBe(doc.text.replace(word(name), to));
      compiles(renamed, true);
    }
  });

  it("a platform: its declaration, `guest of` it, and the attributes it makes where rules name them", async () => {
    const doc = await open(c, "examples/svp/svp.conf");
    const renamed = await rename(c, doc, at(doc, "platform gvp1", "gvp1"), "vp1");
    const expected = doc.text.replace(word("gvp1"), "vp1").replace(/(?<![A-Za-z0-9_])gvp1_(platform_domain|hwdoms|guests|devices|managed_devices|managed_domains)(?![A-Za-z0-9_])/g, "vp1_$1");
    expect(renamed).toBe(expected);
    expect(renamed).toContain("gvp1_hwdom_t"); // a member type of the platform is its own name
    compiles(renamed);
    const parent = await rename(c, doc, at(doc, "platform gvp2 guest of svp", "svp"), "host");
    expect(parent).toMatch(/^platform gvp1 guest of host \{/m);
    expect(parent).toContain("allow host_hwdoms host_managed_domains:domain");
    compiles(parent);
  });
});

describe("rename of roles and role attributes wherever a role name stands", () => {
  const dominance = (doc: Doc, line: string) => doc.text.split("\n").findIndex((l) => l === line);

  it("role dominance: its roles, a role attribute in it, a role it declares; definition and references reach them", async () => {
    const doc = await open(c, "test/fixtures/role-dominance/attrboth.conf");
    // ra: declared by attribute_role, joined by roleattribute, given types, dominating and dominated
    for (const [prefix, name, to] of [
      ["role r;", "r", "top_r"],
      ["role t;", "t", "low_r"],
      ["role q;", "q", "other_r"],
      ["attribute_role ra;", "ra", "group_r"],
    ] as const) {
      const renamed = await rename(c, doc, at(doc, prefix, name), to);
      expect(renamed, `${name} -> ${to}`).toBe(doc.text.replace(word(name), to));
      compiles(renamed);
    }
    // from inside the statement: definition is the declaration, references hold every use
    const line = dominance(doc, "dominance { role r { role ra; role q; } }");
    const p = { line, character: doc.text.split("\n")[line]!.indexOf("ra;") };
    const def = (await c.rpc.sendRequest("textDocument/definition", { textDocument: { uri: doc.uri }, position: p })) as { range: { start: { line: number } } }[];
    expect(def.map((l) => l.range.start.line)).toEqual([doc.text.split("\n").indexOf("attribute_role ra;")]);
    // a later `role ra types ...` gives the attribute types; it does not declare it (the studio agrees: test/studio/page-model.test.ts)
    const typesLine = dominance(doc, "role ra types d_t;");
    const fromRole = (await c.rpc.sendRequest("textDocument/definition", { textDocument: { uri: doc.uri }, position: { line: typesLine, character: 5 } })) as { range: { start: { line: number } } }[];
    expect(fromRole.map((l) => l.range.start.line)).toEqual([doc.text.split("\n").indexOf("attribute_role ra;")]);
    const refs = (await c.rpc.sendRequest("textDocument/references", { textDocument: { uri: doc.uri }, position: p, context: { includeDeclaration: true } })) as unknown[];
    expect(refs).toHaveLength([...doc.text.matchAll(word("ra"))].length);
  });

  it("a role dominance declares a role nothing else declares (define_role_dom)", async () => {
    const doc = await open(c, "test/fixtures/role-dominance/undeclared.conf");
    const line = dominance(doc, "dominance { role r { role z; } }");
    const p = { line, character: doc.text.split("\n")[line]!.indexOf("z;") };
    const def = (await c.rpc.sendRequest("textDocument/definition", { textDocument: { uri: doc.uri }, position: p })) as { range: { start: { line: number; character: number } } }[];
    expect(def.map((l) => l.range.start)).toEqual([p]);
    const renamed = await rename(c, doc, p, "zz");
    expect(renamed).toBe(doc.text.replace(word("z"), "zz"));
    compiles(renamed);
  });

  it("role_transition and role allow", async () => {
    const doc = await open(c, "test/fixtures/binary/edge/roletrans.conf");
    for (const [prefix, name, to] of [
      ["role rb;", "rb", "b_r"],
      ["role rc;", "rc", "c_r"],
    ] as const) {
      const renamed = await rename(c, doc, at(doc, prefix, name), to);
      expect(renamed, `${name} -> ${to}`).toBe(doc.text.replace(word(name), to));
      compiles(renamed);
    }
  });
});

describe("object_r, which libsepol's policydb declares", () => {
  // checkpolicy 3.4 takes `role object_r;` and `role object_r types T;` as it takes a second `role`
  // statement of a role declared before: the binary is the same with them or without them
  // (test/fixtures/binary/edge/object-r.conf); neither declares object_r
  const small = readFileSync(join(repoRoot, "test/fixtures/cli/small.conf"), "utf8");
  const restated = small.replace("role system_r;\n", "role object_r;\nrole object_r types nic_t;\nrole system_r;\n");
  type Loc = { range: { start: { line: number; character: number } } };
  const request = (doc: Doc, method: string, p: { line: number; character: number }, more = {}) => c.rpc.sendRequest(method, { textDocument: { uri: doc.uri }, position: p, ...more });

  for (const [name, text] of [["with `role object_r;`", restated], ["without it", small]] as const) {
    it(`${name}: no definition in the text, every use a reference (none a declaration), rename refused`, async () => {
      const doc = await open(c, "test/fixtures/cli/small.conf", text);
      const uses = [...text.matchAll(word("object_r"))].map((m) => {
        const before = text.slice(0, m.index);
        return { line: before.split("\n").length - 1, character: m.index! - before.lastIndexOf("\n") - 1 };
      });
      expect(uses.length).toBe(name === "without it" ? 3 : 5);
      for (const p of uses) {
        expect(await request(doc, "textDocument/definition", p)).toEqual([]);
        for (const includeDeclaration of [true, false]) {
          const refs = (await request(doc, "textDocument/references", p, { context: { includeDeclaration } })) as Loc[];
          expect(refs.map((l) => l.range.start)).toEqual(uses);
        }
        await refused(c, doc, p, "x_r", /role `object_r` is built in/, true);
        await refused(c, doc, p, "x_r", /role `object_r` is built in/);
      }
    });
  }
});

describe("rename refuses, with the reason", () => {
  it("Xen's classes, permissions, commons and initial SIDs, and object_r, at prepareRename", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    await refused(c, doc, at(doc, "class xen {", "xen"), "x", /flask.*security_classes/, true);
    await refused(c, doc, at(doc, "allow dom0_t xen_t:xen", "settime"), "x", /permission `settime`.*flask/, true);
    await refused(c, doc, at(doc, "common basic", "basic"), "x", /common `basic`/, true);
    await refused(c, doc, at(doc, "sid dom0 system_u", "dom0"), "x", /initial SID `dom0`.*initial_sids/, true);
    await refused(c, doc, at(doc, "sid device system_u", "object_r"), "x", /object_r.*built in/, true);
    // and at rename too (a client that skips prepareRename)
    await refused(c, doc, at(doc, "class xen {", "xen"), "xen2", /flask/);
  });

  it("new names that are not names, keywords, self, dotted, or taken in the namespace", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    const nic = at(doc, "type nic_t", "nic_t");
    await refused(c, doc, nic, "1nic", /not a name/);
    await refused(c, doc, nic, "_nic", /not a name/);
    await refused(c, doc, nic, "nic t", /not a name/);
    await refused(c, doc, nic, "allow", /keyword/);
    await refused(c, doc, nic, "TYPE", /keyword/);
    await refused(c, doc, nic, "self", /`self`/);
    await refused(c, doc, nic, "dev.nic_t", /dot/);
    await refused(c, doc, nic, "device_t", /already a type, attribute or alias/);
    await refused(c, doc, nic, "guest_type", /already a type, attribute or alias/);
    await refused(c, doc, nic, "guest_alias_t", /already a type, attribute or alias/);
    await refused(c, doc, at(doc, "role vm_r types", "vm_r"), "system_r", /already a role/);
    await refused(c, doc, at(doc, "role vm_r types", "vm_r"), "object_r", /already a role/);
    await refused(c, doc, at(doc, "user vm_u", "vm_u"), "system_u", /already a user/);
    // a name taken in another namespace is free in this one (checkpolicy's separate symbol tables)
    expect(await rename(c, doc, at(doc, "user vm_u", "vm_u"), "vm_r")).toBe(doc.text.replace(word("vm_u"), "vm_r"));
  });

  it("MLS: a sensitivity to another's alias, a category to another category", async () => {
    const doc = await open(mlsClient, "test/fixtures/mls/devices.conf");
    await refused(mlsClient, doc, at(doc, "sensitivity s2", "s2"), "secret", /already a sensitivity/);
    await refused(mlsClient, doc, at(doc, "category c2", "c2"), "blue", /already a category/);
  });

  it("a platform to another platform, or to a name whose attributes are taken", async () => {
    const doc = await open(c, "examples/svp/svp.conf", readFileSync(join(repoRoot, "examples/svp/svp.conf"), "utf8").replace("type device_t;", "type device_t;\ntype blue_guests;"));
    await refused(c, doc, at(doc, "platform gvp1", "gvp1"), "gvp2", /already a platform/);
    await refused(c, doc, at(doc, "platform gvp1", "gvp1"), "blue", /would make attribute `blue_guests`/);
  });

  it("a text that does not parse: refused, not placed by the older text", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    const got = c.diagnostics(doc.uri, (p) => p.diagnostics.length > 0);
    await c.change(doc.uri, 2, `# inserted\n${doc.text}allow {`);
    await got;
    await refused(c, doc, { line: at(doc, "type nic_t", "nic_t").line + 1, character: 5 }, "eth_t", /does not parse/);
  });
});

describe("rename after an edit", () => {
  it("waits for the analysis of the text as it is now: the edits are at its lines", async () => {
    const doc = await open(c, "test/fixtures/cli/small.conf");
    const edited = `# two lines\n# above\n${doc.text}`;
    await c.change(doc.uri, 2, edited); // no wait for its diagnostics
    const p = at({ ...doc, text: edited }, "type nic_t", "nic_t");
    const edit = (await c.rpc.sendRequest("textDocument/rename", { textDocument: { uri: doc.uri }, position: p, newName: "eth_t" })) as WorkspaceEdit;
    expect(apply(edited, edit.changes![doc.uri]!)).toBe(edited.replace(word("nic_t"), "eth_t"));
  });
});
