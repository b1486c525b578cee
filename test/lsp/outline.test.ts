// The outline (textDocument/documentSymbol) is the analysed policy's declarations, the ones
// go-to-definition goes to: one symbol per declared name, where checkpolicy declares it (`role
// object_r;` and a second `role R types ...` declare nothing), ranging over its statement, with the
// names declared inside it as children (a class's and a common's permissions, a type's aliases, a
// platform's member types). A tree's m4 files add their interfaces, holding what their bodies
// declare.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DocumentSymbol, Location, Range } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

const policy = `class xen
class domain
class resource
sid xen
common basic { getattr setattr }
class xen { settime
            readconsole }
class domain inherits basic { create }
class resource { add remove use use_iommu use_iommu_nointremap use_noiommu add_irq remove_irq
                 add_ioport remove_ioport add_iomem remove_iomem stat_device add_device
                 remove_device plug unplug setup }
attribute domain_type;
type xen_t;
type dom0_t alias { dom0_alias_t }, domain_type;
typealias xen_t alias hypervisor_t;
bool guests false;
platform svp supervisor {
    hwdom svp_hwdom_t;
    device svp_pci_t { 0000:03:00.0 };
}
allow dom0_t xen_t:xen settime;
role object_r;
role system_r;
role system_r types { dom0_t xen_t };
role vm_r;
role vm_r types dom0_t;
user system_u roles { system_r vm_r };
sid xen system_u:system_r:xen_t
`;

/** "detail name" of each symbol, its children indented under it. */
function tree(symbols: DocumentSymbol[], depth = 0): string[] {
  return symbols.flatMap((s) => [`${"  ".repeat(depth)}${s.detail} ${s.name}`, ...tree(s.children ?? [], depth + 1)]);
}
function all(symbols: DocumentSymbol[]): DocumentSymbol[] {
  return symbols.flatMap((s) => [s, ...all(s.children ?? [])]);
}
function textOf(text: string, r: Range): string {
  const lines = text.split("\n");
  if (r.start.line === r.end.line) return lines[r.start.line]!.slice(r.start.character, r.end.character);
  return [lines[r.start.line]!.slice(r.start.character), ...lines.slice(r.start.line + 1, r.end.line), lines[r.end.line]!.slice(0, r.end.character)].join("\n");
}
const contains = (outer: Range, inner: Range) =>
  (outer.start.line < inner.start.line || (outer.start.line === inner.start.line && outer.start.character <= inner.start.character)) &&
  (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));

describe("the outline of a policy.conf", () => {
  let c: TestClient;
  const uri = "untitled:outline.conf";
  const outline = () => c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri } }) as Promise<DocumentSymbol[]>;
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
    const first = c.diagnostics(uri);
    await c.open(uri, policy);
    expect((await first).diagnostics.filter((d) => d.severity === 1).map((d) => d.message)).toEqual([]);
  });
  afterAll(() => c.close());

  it("one symbol per declared name, where checkpolicy declares it, the names declared with it as children", async () => {
    expect(tree(await outline())).toEqual([
      "class xen",
      "class domain",
      "class resource",
      "initial SID xen",
      "common basic",
      "  permission getattr",
      "  permission setattr",
      // a class's permissions under the class as its access vector statement names it, which is
      // where they are declared (`class xen` above ranges over its own line)
      "class (permissions) xen",
      "  permission settime",
      "  permission readconsole",
      "class (permissions) domain",
      "  permission create",
      "class (permissions) resource",
      ...["add", "remove", "use", "use_iommu", "use_iommu_nointremap", "use_noiommu", "add_irq", "remove_irq", "add_ioport", "remove_ioport", "add_iomem", "remove_iomem", "stat_device", "add_device", "remove_device", "plug", "unplug", "setup"].map((p) => `  permission ${p}`),
      "attribute domain_type",
      "type xen_t",
      "type dom0_t",
      "  alias dom0_alias_t",
      "alias hypervisor_t",
      "bool guests",
      "platform svp",
      "  type svp_hwdom_t",
      "  type svp_pci_t",
      "role system_r",
      "role vm_r",
      "user system_u",
    ]);
  });

  it("each symbol ranges over its statement (a platform's member over its line), its name selected", async () => {
    const symbols = await outline();
    for (const s of all(symbols)) {
      expect(textOf(policy, s.selectionRange), s.name).toBe(s.name);
      expect(contains(s.range, s.selectionRange), s.name).toBe(true);
      for (const child of s.children ?? []) expect(contains(s.range, child.range), `${child.name} in ${s.name}`).toBe(true);
    }
    const range = (name: string) => textOf(policy, all(symbols).find((s) => s.name === name)!.range);
    expect(range("system_r")).toBe("role system_r;");
    expect(range("vm_r")).toBe("role vm_r;");
    expect(range("dom0_alias_t")).toBe("type dom0_t alias { dom0_alias_t }, domain_type;");
    expect(range("svp")).toBe(policy.slice(policy.indexOf("platform svp"), policy.indexOf("}\nallow") + 1));
    expect(range("svp_pci_t")).toBe("device svp_pci_t { 0000:03:00.0 };");
    // a permission: the statement that defines it, over two lines here
    expect(range("readconsole")).toBe("class xen { settime\n            readconsole }");
    const xenPerms = symbols.find((s) => s.detail === "class (permissions)" && s.name === "xen")!;
    expect(textOf(policy, xenPerms.range)).toBe("class xen { settime\n            readconsole }");
  });

  it("the declarations go-to-definition goes to", async () => {
    const symbols = all(await outline());
    const lines = policy.split("\n");
    for (const [line, name] of [["allow dom0_t xen_t:xen settime;", "dom0_t"], ["allow dom0_t xen_t:xen settime;", "settime"], ["user system_u roles { system_r vm_r }", "vm_r"], ["sid xen system_u", "system_r"]] as const) {
      const n = lines.indexOf(lines.find((l) => l.startsWith(line))!);
      const def = (await c.rpc.sendRequest("textDocument/definition", { textDocument: { uri }, position: { line: n, character: lines[n]!.indexOf(name) } })) as Location[];
      expect(def.map((l) => l.range), name).toEqual(symbols.filter((s) => s.name === name && s.detail !== "initial SID").map((s) => s.selectionRange));
    }
  });

  it("while the text does not parse: the last outline, of the names still written where it placed them", async () => {
    const good = await outline();
    const broken = c.diagnostics(uri, (p) => p.diagnostics.some((d) => d.severity === 1));
    await c.change(uri, 2, `${policy}allow dom0_t {`);
    await broken;
    expect(await outline()).toEqual(good);
    // a line inserted before them moves every name: none is where the old analysis placed it
    const moved = c.diagnostics(uri, (p) => p.diagnostics.some((d) => d.severity === 1));
    await c.change(uri, 3, `allow {\n${policy}`);
    await moved;
    expect(await outline()).toEqual([]);
    const fixed = c.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.severity === 1));
    await c.change(uri, 4, policy);
    await fixed;
    expect(await outline()).toEqual(good);
  });

  it("asked right after a change: the outline of the text as it is now", async () => {
    const added = policy.replace("type xen_t;\n", "type xen_t;\ntype nic_t;\n");
    await c.change(uri, 5, added);
    expect(tree(await outline())).toContain("type nic_t");
    await c.change(uri, 6, policy);
    expect(tree(await outline())).not.toContain("type nic_t");
  });
});

describe.skipIf(!hasM4)("the outline of a tree's files (needs GNU m4)", () => {
  const tree = join(repoRoot, "examples/xen-flask");
  let c: TestClient;
  const outline = async (file: string) => {
    const uri = pathToFileURL(join(tree, file)).href;
    await c.open(uri, readFileSync(join(tree, file), "utf8"));
    return (await c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri } })) as DocumentSymbol[];
  };
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
  });
  afterAll(() => c.close());

  it("every child inside its parent's range, in every file of the tree the outline lists", async () => {
    for (const file of ["modules/xen.te", "modules/xen.if", "modules/dom0.te", "flask/access_vectors", "flask/security_classes", "modules/debug_guest.te"]) {
      for (const s of all(await outline(file))) {
        expect(contains(s.range, s.selectionRange), `${file}: ${s.name}`).toBe(true);
        for (const child of s.children ?? []) expect(contains(s.range, child.range), `${file}: ${child.name} in ${s.name}`).toBe(true);
      }
    }
  });

  it("a module modules.conf leaves off: its declarations as the tree would have them, each saying it is not built", async () => {
    const file = "modules/debug_guest.te";
    const text = readFileSync(join(tree, file), "utf8");
    const symbols = await outline(file);
    expect(tree2(symbols)).toEqual(["type (not built: off in modules.conf) debug_domU_t"]);
    const debug = symbols[0]!;
    expect(textOf(text, debug.selectionRange)).toBe("debug_domU_t");
    expect(textOf(text, debug.range)).toBe("declare_domain(debug_domU_t)");
    // the module's own analysis still leaves it out: no diagnostics, no references from it
    const uri = pathToFileURL(join(tree, file)).href;
    const refs = (await c.rpc.sendRequest("textDocument/references", { textDocument: { uri }, position: { line: text.split("\n").findIndex((l) => l.startsWith("allow dom0_t")), character: 7 }, context: { includeDeclaration: true } })) as Location[] | null;
    expect((refs ?? []).filter((r) => r.uri === uri)).toEqual([]);
  });

  it("a module: the names it declares, through a macro call too; `role system_r types ...` declares nothing", async () => {
    const xen = await outline("modules/xen.te");
    const text = readFileSync(join(tree, "modules/xen.te"), "utf8");
    const names = tree2(xen);
    expect(names.filter((n) => n === "role system_r")).toHaveLength(1);
    expect(names).toEqual(expect.arrayContaining(["attribute domain_type", "type xen_t", "type dom0_t", "type device_t"]));
    for (const s of all(xen)) expect(textOf(text, s.selectionRange), s.name).toBe(s.name);
    const dom0 = xen.find((s) => s.name === "dom0_t")!;
    expect(textOf(text, dom0.range)).toBe("declare_singleton_domain(dom0_t, mls_priv)");
    expect(tree2(await outline("modules/nic_dev.te"))).toEqual(["type nic_dev_t", "alias e1000e_dev_t"]);
  });

  it("an interface file: each define, holding the names its body makes", async () => {
    const xenIf = await outline("modules/xen.if");
    const text = readFileSync(join(tree, "modules/xen.if"), "utf8");
    expect(xenIf.every((s) => s.detail === "m4 interface")).toBe(true);
    expect(xenIf.map((s) => s.name)).toEqual([...text.matchAll(/^define\(`([A-Za-z0-9_]+)'/gm)].map((m) => m[1]));
    const declare = xenIf.find((s) => s.name === "declare_domain")!;
    expect(textOf(text, declare.range)).toMatch(/^define\(`declare_domain', `[\s\S]*'\)$/);
    expect(declare.children?.map((s) => s.name)).toEqual(expect.arrayContaining(["domU_t_self", "domU_t_channel"]));
  });

  it("access_vectors: the permissions under each class, whose declaration is in security_classes", async () => {
    const av = await outline("flask/access_vectors");
    const text = readFileSync(join(tree, "flask/access_vectors"), "utf8");
    const domain = av.find((s) => s.name === "domain")!;
    expect(domain.children!.map((s) => s.name).slice(0, 3)).toEqual(["setvcpucontext", "pause", "unpause"]);
    expect(textOf(text, domain.range)).toMatch(/^class domain\n\{[\s\S]*\n[ \t]+setpagingmempool .*$/);
    expect(tree2(await outline("flask/security_classes")).slice(0, 2)).toEqual(["class xen", "class xen2"]);
  });
});

function tree2(symbols: DocumentSymbol[]): string[] {
  return symbols.map((s) => `${s.detail} ${s.name}`);
}
