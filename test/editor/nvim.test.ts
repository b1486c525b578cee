// xsm lsp with a client this project does not write: Debian's neovim, headless, its built-in LSP
// client driven by nvim-lsp.lua. It opens a policy with errors and reads the diagnostics at their
// lines (and, of one that compiles, a lint warning and its quick fix), hovers a type and jumps to a
// definition (in a tree: signature help, highlights, workspace symbols, selection ranges and inlay
// hints too), and changes the client's settings. Needs `nvim`
// (.ci/run installs neovim) and the build in dist/ (npm ci). Run with `npm run test:editor`.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
let work: string;

beforeAll(() => {
  if (spawnSync("nvim", ["--version"]).status !== 0) throw new Error("neovim is not installed: apt-get install -y neovim");
  work = mkdtempSync(join(tmpdir(), "xsm-nvim-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Seen {
  error?: string;
  diagnostics_arrived: boolean;
  diagnostics: { line: number; col: number; message: string; code: string }[];
  hover: string | null;
  jump?: { file: string; line: number; col: number };
  renamed?: string[];
  /** What neovim said at each rename ("" when nothing: a refusal is its error message). */
  rename_notices?: string[];
  /** The first diagnostic's line after its quick fix. */
  fixed?: string;
  signature?: { label: string; active: string };
  /** "NAME CONTAINER FILE" of each workspace symbol. */
  symbols?: string[];
  highlights?: { all: number; writes: number };
  advertised?: { selection: boolean; inlay: boolean };
  /** The selection ranges' texts at XSM_NVIM_EXPAND, innermost first. */
  selection?: string[];
  /** "CHARACTER LABEL" of each inlay hint on that line. */
  inlay?: string[];
  /** The diagnostics after the settings changed (XSM_NVIM_SETTINGS). */
  configured_arrived?: boolean;
  configured?: { line: number; severity: number; message: string }[];
  /** Each rewrite of .xsm-lint.json (XSM_NVIM_LINT_CONFIG): the policy's diagnostics as "LINE
   *  SEVERITY CODE", the config's as "LINE:COL SEVERITY MESSAGE". */
  lint_config?: { arrived: boolean; policy: string[]; config: string[] }[];
}

function runNvim(policy: string, hover: [number, number], definition: [number, number], renames?: [[number, number], string][], fix = false, more: { signature?: [number, number]; symbol?: string; expand?: [number, number]; settings?: object; lintConfig?: { text: string; code: string; severity: number }[] } = {}): Seen {
  const out = join(work, "seen.json");
  execFileSync("nvim", ["--headless", "--clean", "-c", `luafile ${join(root, "test/editor/nvim-lsp.lua")}`], {
    cwd: root,
    env: {
      ...process.env,
      XSM_BIN: join(root, "bin/xsm.cjs"),
      XSM_NVIM_POLICY: policy,
      XSM_NVIM_HOVER: JSON.stringify(hover),
      XSM_NVIM_DEFINITION: JSON.stringify(definition),
      XSM_NVIM_OUT: out,
      ...(renames && { XSM_NVIM_RENAME: JSON.stringify(renames) }),
      ...(fix && { XSM_NVIM_FIX: "1" }),
      ...(more.signature && { XSM_NVIM_SIGNATURE: JSON.stringify(more.signature) }),
      ...(more.symbol !== undefined && { XSM_NVIM_SYMBOL: more.symbol }),
      ...(more.expand && { XSM_NVIM_EXPAND: JSON.stringify(more.expand) }),
      ...(more.settings && { XSM_NVIM_SETTINGS: JSON.stringify(more.settings) }),
      ...(more.lintConfig && { XSM_NVIM_LINT_CONFIG: JSON.stringify(more.lintConfig) }),
    },
    timeout: 60_000,
    stdio: "ignore",
  });
  return JSON.parse(readFileSync(out, "utf8")) as Seen;
}

describe("neovim's LSP client and xsm lsp", () => {
  it("diagnostics at the right lines, a hover, a definition jump, a quick fix", () => {
    // small.conf with one rule naming an undeclared type on line 29 (0-based 28)
    const text = readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8").replace("allow guest_type nic_t:resource use;", "allow guest_type nix_t:resource use;");
    const policy = join(work, "policy.conf");
    writeFileSync(policy, text);
    const lines = text.split("\n");
    const bad = lines.findIndex((l) => l.includes("nix_t"));
    const auditLine = lines.findIndex((l) => l.startsWith("auditallow dom0_t nic_t"));
    const declLine = lines.findIndex((l) => l.startsWith("type nic_t"));

    const seen = runNvim(policy, [declLine, 6], [auditLine, lines[auditLine]!.indexOf("nic_t")], undefined, true);
    expect(seen.error).toBeUndefined();
    expect(seen.diagnostics_arrived).toBe(true);
    expect(seen.diagnostics).toEqual([{ line: bad, col: lines[bad]!.indexOf("nix_t"), message: "unknown type nix_t (did you mean 'nic_t'?)", code: "undeclared" }]);
    expect(seen.fixed).toBe("allow guest_type nic_t:resource use;");
    expect(seen.hover).toContain("**type** `nic_t`");
    expect(seen.hover).toContain("- attributes: `device_type`");
    expect(seen.jump).toEqual({ file: policy, line: declLine, col: lines[declLine]!.indexOf("nic_t") });
  }, 90_000);

  it("a lint warning: a rule written twice, its quick fix deleting the second line", () => {
    // small.conf made Xen-loadable (as test/lsp/lsp.test.ts makes it: no warning of its own), with
    // one rule repeated on the line after it
    const rule = "allow guest_type nic_t:resource use;";
    const text = readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8")
      .replace("class domain inherits basic { create", "class domain { getattr setattr create")
      .replace("sid xen\nsid dom0\nsid device\nsid unlabeled\n", "sid xenboot sid xen\nsid dom0 sid domio sid domxen\nsid unlabeled sid security sid ioport sid iomem\nsid irq sid device sid domU sid domDM\n")
      .replace("pcidevicecon", ["xenboot", "domio", "domxen", "security", "ioport", "iomem", "irq", "domU", "domDM"].map((s) => `sid ${s} system_u:system_r:xen_t\n`).join("") + "pcidevicecon")
      .replace(`${rule}\n`, `${rule}\n${rule}\n`);
    const policy = join(work, "lint.conf");
    writeFileSync(policy, text);
    const lines = text.split("\n");
    const again = lines.indexOf(rule) + 1;
    const seen = runNvim(policy, [again, 0], [again, 0], undefined, true);
    expect(seen.error).toBeUndefined();
    expect(seen.diagnostics).toEqual([{ line: again, col: 0, message: "this allow rule grants exactly what an earlier one grants", code: "duplicate-rule" }]);
    // the line after the deleted one is where it was
    expect(seen.fixed).toBe(lines[again + 1]);
  }, 90_000);

  it("the lint config rewritten in neovim and saved: the policy's findings republished with its severities; a wrong one underlined at its key", () => {
    const dir = mkdtempSync(join(work, "config-"));
    const policy = join(dir, "planted.conf");
    const text = readFileSync(join(root, "test/fixtures/lint/planted.conf"), "utf8");
    writeFileSync(policy, text);
    const line = text.split("\n").findIndex((l) => l.includes("#! unused-type"));
    const seen = runNvim(policy, [0, 0], [0, 0], undefined, false, {
      lintConfig: [
        { text: '{"severity": {"unused-type": "info"}}', code: "unused-type", severity: 3 },
        { text: '{"severity": {"unused-type": "hint"}}', code: "unused-type", severity: 4 },
        { text: '{\n  "severity": {\n    "unused-typ": "hint"\n  }\n}', code: "unused-type", severity: 2 },
      ],
    });
    expect(seen.error).toBeUndefined();
    const steps = seen.lint_config!;
    expect(steps.map((s) => s.arrived)).toEqual([true, true, true]);
    expect(steps[0]!.policy).toContain(`${line} 3 unused-type`);
    expect(steps[1]!.policy).toContain(`${line} 4 unused-type`);
    expect(steps[0]!.config).toEqual([]);
    // wrong: the catalog's warning, and one error on the config at its unknown key (line 3, col 5)
    expect(steps[2]!.policy).toContain(`${line} 2 unused-type`);
    expect(steps[2]!.config).toHaveLength(1);
    expect(steps[2]!.config[0]).toMatch(/^2:4 1 \S+\.xsm-lint\.json:3:5: \/severity\/unused-typ: unknown check /);
  }, 90_000);

  it("a policy tree: an unused gen_bool in a .te, its quick fix removing the line", () => {
    const tree = join(work, "bools");
    cpSync(join(root, "examples/xen-flask"), tree, { recursive: true });
    const te = join(tree, "modules/guest_features.te");
    const lines = readFileSync(te, "utf8").split("\n");
    const at = lines.indexOf("gen_bool(guest_writeconsole, true)") + 1;
    lines.splice(at, 0, "gen_bool(spare_flag, false)");
    writeFileSync(te, lines.join("\n"));
    const seen = runNvim(te, [at, 0], [at, 0], undefined, true);
    expect(seen.error).toBeUndefined();
    // (the compiler's own `unused` warning is on the line too; the fix is the lint finding's)
    expect(seen.diagnostics).toContainEqual({ line: at, col: 9, message: "boolean spare_flag is read by no conditional", code: "unused-boolean" });
    expect(seen.diagnostics.every((d) => d.line === at)).toBe(true);
    expect(seen.fixed).toBe(lines[at + 1]);
  }, 90_000);

  it("a policy tree: an error inside a macro at the calling line, the interface's hover, definition, signature, highlights and workspace symbols", () => {
    const tree = join(work, "tree");
    cpSync(join(root, "examples/xen-flask"), tree, { recursive: true });
    const te = join(tree, "modules/nic_dev.te");
    const text = `${readFileSync(te, "utf8")}use_device_iommu(domU_t, nosuch_t)\n`;
    writeFileSync(te, text);
    const call = text.split("\n").length - 2;
    const line = text.split("\n")[call]!;
    const seen = runNvim(te, [call, 4], [call, 4], undefined, false, { signature: [call, line.indexOf("nosuch_t")], symbol: "use_device_iommu", expand: [call, line.indexOf("nosuch_t") + 2] });
    expect(seen.error).toBeUndefined();
    // expand selection: the argument, the call, the file; the arguments named as xen.if's comment
    expect(seen.advertised).toEqual({ selection: true, inlay: true });
    expect(seen.selection).toEqual(["nosuch_t", "use_device_iommu(domU_t, nosuch_t)", text.replace(/\n$/, "")]);
    expect(seen.inlay).toEqual([`${"use_device_iommu(".length} domain_type:`, `${line.indexOf("nosuch_t")} device_type:`]);
    expect(seen.signature).toEqual({ label: "use_device_iommu(domain_type, device_type)", active: "device_type" });
    expect(seen.symbols).toEqual(["use_device_iommu m4 interface " + join(tree, "modules/xen.if"), "use_device_iommu_nointremap m4 interface " + join(tree, "modules/xen.if")]);
    // the interface's calls in the module (nic_dev.te has no define of it)
    expect(seen.highlights).toEqual({ all: text.match(/^use_device_iommu\(/gm)!.length, writes: 0 });
    expect(seen.diagnostics).toEqual([{ line: call, col: 0, message: "unknown type nosuch_t (in expansion of `use_device_iommu`)", code: "undeclared" }]);
    expect(seen.hover).toContain("**m4 interface** `use_device_iommu` — modules/xen.if:");
    const xenIf = readFileSync(join(tree, "modules/xen.if"), "utf8").split("\n");
    const defLine = xenIf.findIndex((l) => l.startsWith("define(`use_device_iommu'"));
    expect(seen.jump).toEqual({ file: join(tree, "modules/xen.if"), line: defLine, col: xenIf[defLine]!.indexOf("use_device_iommu") });
  }, 90_000);

  it("settings changed after start: an MLS policy read without -M, then with it once the client sets xsm.mls", () => {
    const text = readFileSync(join(root, "test/fixtures/mls/devices.conf"), "utf8");
    const policy = join(work, "mls.conf");
    writeFileSync(policy, text);
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("range_transition"));
    const seen = runNvim(policy, [at, 0], [at, 0], undefined, false, { settings: { xsm: { mls: true } } });
    expect(seen.error).toBeUndefined();
    expect(seen.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/-M/)]);
    // read from the notification (neovim 0.7 answers workspace/configuration but does not say so
    // in its capabilities, so the server does not ask): no error
    expect(seen.configured_arrived).toBe(true);
    expect(seen.configured!.filter((d) => d.severity === 1)).toEqual([]);
  }, 90_000);

  it("rename: a role through prepareRename and rename, applied to the buffer; a Xen class refused, nothing changed", () => {
    const text = readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8");
    const policy = join(work, "rename.conf");
    writeFileSync(policy, text);
    const lines = text.split("\n");
    const role = lines.findIndex((l) => l.startsWith("role vm_r types"));
    const cls = lines.findIndex((l) => l.startsWith("class xen {"));
    const seen = runNvim(policy, [role, 5], [role, 5], [
      [[role, 5], "guest_r"],
      [[cls, 6], "hypervisor"],
    ]);
    expect(seen.error).toBeUndefined();
    const renamed = text.replace(/\bvm_r\b/g, "guest_r").replace(/\n$/, "");
    expect(seen.renamed).toEqual([renamed, renamed]);
    // the class is refused for what it is (asked after the first rename was analysed), not as
    // "still being analysed"
    expect(seen.rename_notices![0]).toBe("");
    expect(seen.rename_notices![1]).toContain("class `xen` is one of Xen's flask definitions");
  }, 90_000);

  it("rename from a typebounds child renames it in typebounds, permissive and every other place", () => {
    const text = readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8").replace("bool guests_may_plug false;\n", "bool guests_may_plug false;\ntypebounds guest_a_t guest_b_t;\npermissive guest_b_t;\n");
    const policy = join(work, "bounds.conf");
    writeFileSync(policy, text);
    const lines = text.split("\n");
    const line = lines.findIndex((l) => l.startsWith("typebounds"));
    const col = lines[line]!.indexOf("guest_b_t");
    const seen = runNvim(policy, [line, col], [line, col], [[[line, col], "child_t"]]);
    expect(seen.error).toBeUndefined();
    expect(seen.jump?.line).toBe(lines.findIndex((l) => l.startsWith("type guest_b_t")));
    expect(seen.renamed).toEqual([text.replace(/\bguest_b_t\b/g, "child_t").replace(/\n$/, "")]);
    expect(seen.rename_notices).toEqual([""]);
  }, 90_000);
});
