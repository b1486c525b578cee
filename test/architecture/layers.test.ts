// The import graph of src/: no cycle, and no module imports a layer it is not allowed to. The layer
// table is the one ARCHITECTURE.md shows (checked below), lowest first; a layer may import only
// layers listed before it. A new module must be placed in a layer here and in ARCHITECTURE.md.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

interface Layer {
  name: string;
  /** Paths under the repository root: a directory (ending in "/") or a module without extension. */
  modules: string[];
  mayImport: string[];
}

const LAYERS: Layer[] = [
  { name: "diagnostics", modules: ["src/diagnostics/"], mayImport: [] },
  { name: "io", modules: ["src/io/"], mayImport: [] },
  { name: "xen", modules: ["src/xen/"], mayImport: ["diagnostics"] },
  { name: "policy-contract", modules: ["src/policy/types", "src/policy/reasons", "src/policy/interface-grants"], mayImport: ["diagnostics"] },
  {
    name: "policy-syntax",
    modules: ["src/policy/ast", "src/policy/lines", "src/policy/nodes", "src/policy/scan", "src/policy/parse", "src/policy/grammar.generated", "src/policy/shapes", "src/policy/name-index"],
    mayImport: ["diagnostics"],
  },
  { name: "policy-desugar", modules: ["src/policy/svp"], mayImport: ["diagnostics", "xen", "policy-syntax"] },
  {
    name: "policy-symbols",
    modules: ["src/policy/symbols", "src/policy/hashtab", "src/policy/symtab-order", "src/policy/typeset", "src/policy/cond", "src/policy/contexts", "src/policy/resolve", "src/policy/resolve/"],
    mayImport: ["diagnostics", "policy-syntax"],
  },
  { name: "policy-platforms", modules: ["src/policy/rebuild-platforms"], mayImport: ["diagnostics", "xen", "policy-desugar", "policy-symbols"] },
  {
    name: "policy-tables",
    modules: ["src/policy/avtab", "src/policy/typeattr", "src/policy/typeclasses", "src/policy/avstats", "src/policy/expand", "src/policy/rulematch"],
    mayImport: ["diagnostics", "policy-syntax", "policy-symbols"],
  },
  { name: "policy-check", modules: ["src/policy/check", "src/policy/bounds"], mayImport: ["diagnostics", "policy-symbols", "policy-tables"] },
  {
    name: "policy-decisions",
    modules: ["src/policy/image", "src/policy/decide", "src/policy/context-help", "src/policy/matrix", "src/policy/transition", "src/policy/view", "src/policy/nearest"],
    // (policy-check: a denial's proposal is checked as the compile checks the policy, nearest.ts)
    mayImport: ["diagnostics", "policy-contract", "policy-syntax", "policy-symbols", "policy-tables", "policy-check"],
  },
  {
    name: "policy-pipeline",
    modules: ["src/policy/index"],
    mayImport: ["diagnostics", "policy-contract", "policy-syntax", "policy-desugar", "policy-symbols", "policy-tables", "policy-decisions", "policy-check"],
  },
  {
    name: "binary",
    modules: ["src/binary/"],
    mayImport: ["diagnostics", "io", "policy-contract", "policy-syntax", "policy-symbols", "policy-tables", "policy-decisions", "policy-pipeline"],
  },
  // m4's output mapped back to a tree's files, and modules.conf as the Makefile reads it: pure,
  // so the studio page uses the same mapping and build and lint the same reading
  { name: "build-map", modules: ["src/build/locate", "src/build/macros", "src/build/modules-conf"], mayImport: ["diagnostics", "policy-contract", "policy-syntax"] },
  {
    name: "lint",
    modules: ["src/lint/"],
    // build-map: a tree's repeated interface calls, told by their text and the locator's calls;
    // io: its config file read and located as every JSON input is (src/lint/config.ts)
    mayImport: ["diagnostics", "io", "policy-syntax", "policy-desugar", "policy-symbols", "policy-tables", "policy-pipeline", "binary", "build-map"],
  },
  { name: "fmt", modules: ["src/fmt/"], mayImport: ["diagnostics", "policy-syntax"] },
  {
    name: "analysis",
    modules: ["src/analysis/"],
    // binary: flow reads the kernel policy src/binary lowers, in its avtab order;
    // xen: seinfo --pcidevicecon takes a PCI address as Xen prints it (xen/sbdf.ts)
    mayImport: ["diagnostics", "xen", "policy-contract", "policy-syntax", "policy-symbols", "policy-tables", "policy-decisions", "policy-pipeline", "binary"],
  },
  { name: "build", modules: ["src/build/"], mayImport: ["diagnostics", "policy-contract", "policy-syntax", "policy-pipeline", "binary", "build-map"] },
  {
    name: "lsp",
    modules: ["src/lsp/"],
    // binary: the warnings for what Xen's loader would refuse (xen-compat.ts), as lint gives them;
    // lint: `xsm lint`'s findings after a compile; io: its config read as `xsm lint` reads it
    mayImport: ["diagnostics", "io", "policy-syntax", "policy-desugar", "policy-symbols", "policy-tables", "policy-pipeline", "binary", "lint", "fmt", "build-map", "build"],
  },
  { name: "xsm", modules: ["src/xsm/"], mayImport: ["diagnostics", "xen", "policy-contract"] },
  { name: "hypervisor", modules: ["src/hypervisor/"], mayImport: ["diagnostics", "xen", "xsm"] },
  { name: "sim", modules: ["src/sim/"], mayImport: ["diagnostics", "io", "xen", "policy-contract", "policy-syntax", "policy-platforms", "policy-pipeline", "binary", "xsm", "hypervisor"] },
  {
    // the page the studio bundles for the browser: no Node modules, below the CLI that serves it
    name: "studio-page",
    modules: ["src/studio/page/", "src/studio/manifest"],
    mayImport: ["diagnostics", "xen", "policy-contract", "policy-syntax", "policy-desugar", "policy-symbols", "policy-platforms", "policy-pipeline", "binary", "build-map", "xsm", "hypervisor", "sim"],
  },
  {
    // the studio's server, static export and site files are the CLI's edge like its commands
    name: "cli",
    modules: ["src/cli/", "src/studio/server", "src/studio/site", "src/studio/export", "src/studio/rebuild", "src/studio/save"],
    mayImport: ["diagnostics", "io", "xen", "policy-contract", "policy-desugar", "policy-pipeline", "binary", "lint", "fmt", "analysis", "build-map", "build", "lsp", "xsm", "hypervisor", "sim", "studio-page"],
  },
  { name: "api", modules: ["src/index", "src/internal/"], mayImport: ["*"] },
];

const ROOT = join(dirname(new URL(import.meta.url).pathname), "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** A module's id: its path from the root without extension, so x.js and x.d.ts are one module. */
function moduleId(path: string): string {
  return relative(ROOT, path).replace(/(\.d)?\.(ts|js|mjs|json)$/, "");
}

/** module id -> the module ids it imports (static, type-only and dynamic imports alike). */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(join(ROOT, "src"))) {
    const id = moduleId(file);
    const edges = graph.get(id) ?? new Set<string>();
    graph.set(id, edges);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith(".")) continue; // packages and node: builtins
      const target = moduleId(join(dirname(file), ref.fileName));
      if (target !== id) edges.add(target);
    }
  }
  return graph;
}

function layerOf(id: string): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of LAYERS) {
    for (const m of layer.modules) {
      const hit = m.endsWith("/") ? id.startsWith(m) : id === m;
      if (hit && (!best || m.length > best.length)) best = { layer, length: m.length };
    }
  }
  return best?.layer;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("the import graph of src/", () => {
  const graph = importGraph();

  it("resolves every relative import to a module in src/", () => {
    const missing = [...graph].flatMap(([from, to]) => [...to].filter((t) => !graph.has(t) && !t.endsWith(".schema")).map((t) => `${from} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it("has no cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("places every module in a layer", () => {
    expect([...graph.keys()].filter((id) => !layerOf(id))).toEqual([]);
  });

  it("names only modules that exist in its layers (ARCHITECTURE.md listed a src/policy/stages there is none of)", () => {
    const ids = [...graph.keys()];
    const absent = LAYERS.flatMap((l) => l.modules).filter((m) => !ids.some((id) => (m.endsWith("/") ? id.startsWith(m) : id === m)));
    expect(absent).toEqual([]);
  });

  it("declares layers that only import layers below them", () => {
    const upward = LAYERS.flatMap((layer, i) =>
      layer.mayImport.filter((m) => m !== "*" && !LAYERS.slice(0, i).some((l) => l.name === m)).map((m) => `${layer.name} -> ${m}`),
    );
    expect(upward).toEqual([]);
  });

  it("has no edge to a layer its module may not import", () => {
    const bad: string[] = [];
    for (const [from, to] of graph) {
      const a = layerOf(from);
      for (const t of to) {
        const b = layerOf(t);
        if (!a || !b || a === b || a.mayImport.includes("*") || a.mayImport.includes(b.name)) continue;
        bad.push(`${from} (${a.name}) -> ${t} (${b.name})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("is the layer table ARCHITECTURE.md shows", () => {
    const doc = readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (.*) \| (.*) \|$/gm)].map((m) => ({
      name: m[1],
      modules: [...m[2]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]),
      mayImport: m[3]!.trim() === "everything" ? ["*"] : [...m[3]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]),
    }));
    expect(rows).toEqual(LAYERS.map((l) => ({ name: l.name, modules: l.modules, mayImport: l.mayImport })));
  });
});
