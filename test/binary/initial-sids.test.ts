// Initial SIDs Xen would take for other ones (initial-sid-order): checkpolicy numbers a policy's
// initial SIDs by the place of their `sid` declarations and leaves out one without a context; Xen's
// policydb_load_isids puts each context at that number and its hooks use the numbers of its own
// initial_sids (xenboot 1 ... domDM 13). One warning, at the first declaration Xen takes for another
// SID, where Xen's refusals are said: `xsm compile -o` (with --strict too: Xen refuses none of it),
// `xsm lint` and the language server. The fixtures' .bin files are checkpolicy 3.4's (`checkpolicy -t Xen -c 30`),
// missing.checkpolicy.txt what it printed. A tree is judged by the numbering of its own flask files
// (Xen's list changed: 10 SIDs in 4.3-4.5, 12 from 4.6, xenboot first from 4.17), a policy.conf m4
// wrote by the list m4 copied from the flask file its #line names: the hand-made tree test/fixtures/build/xen-4.3-sids and flask files xen-4.6-flask carry those releases' lists.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { flaskSidsOf, initialSidOrder, mkflaskSids } from "../../src/binary/initial-sids.js";
import { readTree } from "../../src/build/tree.js";
import { readPolicy } from "../../src/binary/read.js";
import { XEN_INITIAL_SIDS } from "../../src/binary/to-policy.js";
import { lintText } from "../../src/lint/index.js";
import { analyzeText, analyzeTree } from "../../src/lsp/analysis.js";
import { compile, compilePolicy } from "../../src/policy/index.js";
import { SidTable } from "../../src/xsm/sidtab.js";
import { xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";

const dir = "test/fixtures/binary/initial-sids";
const read = (name: string) => readFileSync(join(dir, name), "utf8");
const code = "initial-sid-order";
const at = (ds: readonly { code: string; severity: string; span?: { line: number; col: number } }[]) =>
  ds.filter((d) => d.code === code).map((d) => `${d.severity} ${d.span?.line}:${d.span?.col}`);

function compilePolicyAst(text: string) {
  const run = compile(text, { file: "p.conf" });
  if (!run.ok) throw new Error(run.error[0]!.message);
  return run.value.ast;
}

function warnings(name: string) {
  const run = compile(read(name), { file: name });
  if (!run.ok) throw new Error(run.error[0]!.message);
  return initialSidOrder(run.value.ast, run.value.symbols);
}

describe("initial SIDs that Xen numbers otherwise", () => {
  it("checkpolicy numbers them by declaration and omits one without a context: the fixtures' binaries", () => {
    const numbers = (name: string) => readPolicy(new Uint8Array(readFileSync(join(dir, `${name}.bin`)))).policy.ocontexts.isid.map((i) => i.sid).sort((a, b) => a - b);
    expect(numbers("order")).toEqual([1, 2, 3, 4]);
    expect(numbers("missing")).toEqual([1, 2, 3]);
    expect(numbers("unlabeled")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(numbers("xen")).toEqual(XEN_INITIAL_SIDS.map((_, i) => i + 1));
    expect(read("missing.checkpolicy.txt")).toContain("No context assigned to SID domio, omitting from policy");
    for (const name of ["order", "missing", "unlabeled", "xen"]) {
      expect(Buffer.from(compileBinary(read(`${name}.conf`), { file: `${name}.conf` }).bytes).equals(readFileSync(join(dir, `${name}.bin`))), name).toBe(true);
    }
  });

  it("Xen's 13 in its order, each with a context: nothing (the example policies)", () => {
    expect(warnings("xen.conf")).toEqual([]);
    for (const file of ["examples/xen-flask/policy.conf", "examples/svp/svp.conf"]) {
      expect(at(lintText(readFileSync(file, "utf8"), file).diagnostics), file).toEqual([]);
    }
  });

  it("another order: at the first declaration Xen takes for another SID, naming what Xen labels with which context", () => {
    const [d] = warnings("order.conf");
    expect(`${d!.severity} ${d!.span?.line}:${d!.span?.col}`).toBe("warning 5:5");
    // short sentences, one per case (an editor's hover shows the whole message)
    expect(d!.message.split(/(?<=\.) (?=[A-Z])/)).toEqual([
      "initial SIDs not as Xen numbers them.",
      "Xen numbers its own xenboot 1, xen 2, ... domDM 13 (xen/xsm/flask/policy/initial_sids).",
      "It takes a policy's initial SIDs by their place among the `sid` declarations.",
      "It loads the policy without a word.",
      "SID 1 (xenboot) would get xen's context.",
      "SID 2 (xen) would get dom0's context.",
      "SID 3 (dom0) would get device's context.",
      "SID 4 (domio) would get unlabeled's context.",
      "SIDs 5-13 (domxen, unlabeled, security, ioport, iomem, irq, device, domU, domDM) have no context.",
      `Xen reads them as unlabeled (6), which has none either: its checks on them fail ("unrecognized SID").`,
      "Xen gives these numbers to the first contexts it labels at run time.",
      "Declare Xen's 13 in its order, each with a context.",
    ]);
  });

  it("what the message says Xen labels is what the XSM model's SID table (policydb_load_isids) holds", () => {
    for (const name of ["order", "missing", "unlabeled"]) {
      const policy = compilePolicy(read(`${name}.conf`), { file: name });
      const { table } = SidTable.load(policy);
      const message = warnings(`${name}.conf`)[0]!.message;
      for (const m of message.matchAll(/SID (\d+) \((\w+)\) would get (\w+)'s context/g)) {
        expect(table.sidToString(Number(m[1])), m[0]).toBe(policy.initialSidContext(m[3]!));
        expect(XEN_INITIAL_SIDS[Number(m[1]) - 1]).toBe(m[2]);
      }
      if (name === "order") expect([...message.matchAll(/would get/g)]).toHaveLength(4);
      // a number with no context reads as unlabeled's: none here but in unlabeled.conf
      expect(table.sidToString(XEN_INITIAL_SIDS.length)).toBe(name === "unlabeled" ? policy.initialSidContext("unlabeled") : undefined);
    }
  });

  it("some missing (one declared without a context, as checkpolicy omits it): at the last declaration", () => {
    const [d] = warnings("missing.conf");
    expect(`${d!.span?.line}:${d!.span?.col}`).toBe("8:5");
    expect(d!.message).not.toContain("would get");
    expect(d!.message).toContain("SIDs 4-13 (domio, domxen, unlabeled, security, ioport, iomem, irq, device, domU, domDM) have no context. Xen reads them as unlabeled (6), which has none either");
    const u = warnings("unlabeled.conf")[0]!;
    expect(u.message).toContain("SIDs 7-13 (security, ioport, iomem, irq, device, domU, domDM) have no context. Xen reads them as SID 6 (unlabeled's context). Xen gives these numbers to the first contexts it labels at run time.");
  });

  it("the same warning from compile -o (strict or not), lint and the editor", () => {
    for (const name of ["order", "missing", "unlabeled"]) {
      const file = join(dir, `${name}.conf`);
      const text = read(`${name}.conf`);
      const warned = at(compileBinary(text, { file }).warnings);
      expect(warned).toHaveLength(1);
      expect(at(compileBinary(text, { file, strict: true }).warnings), "a warning under --strict too: Xen loads it").toEqual(warned);
      expect(at(lintText(text, file).diagnostics)).toEqual(warned);
      expect(at(analyzeText(text, file).diagnostics)).toEqual(warned);
    }
  });

  it("the CLI renders it located, exit 0, where it shows Xen's refusals (compile -o, --strict too; lint), counted in the summary", async () => {
    const file = join(dir, "order.conf");
    const out = join(mkdtempSync(join(tmpdir(), "xsm-isid-")), "order.bin");
    const binary = await xsm("compile", file, "-o", out);
    expect(binary.code).toBe(0);
    expect(binary.stdout).toMatch(/warnings\s+1\n/);
    expect(binary.stderr).toContain(`${file}:5:5: warning: initial SIDs not as Xen numbers them`);
    const strict = await xsm("compile", file, "-o", out, "--strict");
    expect(strict.code).toBe(0);
    expect(strict.stderr).toContain(`${file}:5:5: warning: initial SIDs not as Xen numbers them`);
    const json = await xsm("compile", file, "-o", out, "--format", "json");
    expect((JSON.parse(json.stdout).diagnostics as { code: string; line: number }[]).map((d) => `${d.code} ${d.line}`)).toEqual([`${code} 5`]);
    const lint = await xsm("lint", file);
    expect(lint.stdout).toContain(`${file}:5:5: warning: initial SIDs not as Xen numbers them`);
    // without -o, compile is checkpolicy's check, as for Xen's refusals: nothing about Xen
    expect((await xsm("compile", file)).stderr).toBe("");
  });
});

describe.skipIf(!hasM4)("a tree is judged by the initial SIDs of the Xen its flask files belong to (needs GNU m4)", () => {
  const tree = "test/fixtures/build/xen-4.3-sids";
  const flask46 = "test/fixtures/build/xen-4.6-flask";

  it("mkflask.sh's numbering: `sid` lines in order, # lines and a name already numbered skipped", () => {
    const text = "# sid commented\nclass x\n  sid xen\nsid\tdom0 trailing\nsid xen\n\t# sid no\nsidx foo\nsid domio\n";
    expect(mkflaskSids(text, "f").names).toEqual(["xen", "dom0", "domio"]);
    expect(readTree(tree).xenSids).toEqual({ names: ["xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device"], file: "flask/initial_sids" });
    expect(readTree(tree, { flaskDir: flask46 }).xenSids.names.slice(-2)).toEqual(["domU", "domDM"]);
  });

  it("Xen 4.3's 10 SIDs in its order, each with a context: nothing from build -o, lint or the editor", async () => {
    const out = mkdtempSync(join(tmpdir(), "xsm-isid-tree-"));
    const built = await xsm("build", tree, "-o", join(out, "p.bin"), "--conf", join(out, "p.conf"));
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/warnings\s+0\n/);
    expect((await xsm("lint", tree)).stdout).toBe("");
    expect(at(analyzeTree(tree, new Map()).diagnostics)).toEqual([]);
    // the same policy.conf alone: judged by the list m4 copied from the flask file its #line
    // directives name; without them nothing says which Xen, and today's 13 judge it
    const conf = readFileSync(join(out, "p.conf"), "utf8");
    expect(at(compileBinary(conf, { file: "p.conf" }).warnings)).toEqual([]);
    expect(at(lintText(conf, "p.conf").diagnostics)).toEqual([]);
    expect(flaskSidsOf(compilePolicyAst(conf))).toEqual(readTree(tree).xenSids);
    const bare = conf.replace(/^#line .*\n/gm, "");
    expect(at(compileBinary(bare, { file: "p.conf" }).warnings)).toHaveLength(1);
  });

  it("built against Xen 4.6's flask files, SIDs 11-12 have no context: said in 4.6's numbering, at the last declaration", async () => {
    const built = await xsm("build", tree, "--flask-dir", flask46, "-o", join(mkdtempSync(join(tmpdir(), "xsm-isid-tree-")), "p.bin"));
    expect(built.code).toBe(0);
    const [first, ...rest] = built.stderr.split("\n");
    expect(first).toBe(
      `${flask46}/initial_sids:13:5: warning: initial SIDs not as Xen numbers them. Xen numbers its own xen 1, dom0 2, ... domDM 12 (../xen-4.6-flask/initial_sids). ` +
        "It takes a policy's initial SIDs by their place among the `sid` declarations. It loads the policy without a word. SIDs 11-12 (domU, domDM) have no context. " +
        "Xen reads them as SID 5 (unlabeled's context). Xen gives these numbers to the first contexts it labels at run time. Declare Xen's 12 in its order, each with a context.",
    );
    expect(rest[0]).toBe("sid domDM");
    const lint = await xsm("lint", tree, "--flask-dir", flask46);
    expect(lint.stdout.split("\n")[0]).toBe(first);
    expect(analyzeTree(tree, new Map(), flask46).diagnostics.filter((d) => d.code === code).map((d) => d.message)).toEqual([first!.replace(/^.*?warning: /, "")]);
  });

  it("the policy.conf m4 wrote against Xen 4.6's flask files, alone: the same warning, in 4.6's numbering", async () => {
    const out = mkdtempSync(join(tmpdir(), "xsm-isid-conf-"));
    const built = await xsm("build", tree, "--flask-dir", flask46, "--conf", join(out, "p.conf"), "-o", join(out, "p.bin"));
    expect(built.code, built.stderr).toBe(0);
    const tree46 = built.stderr.split("\n")[0]!.replace(/^.*?warning: /, "");
    const conf = readFileSync(join(out, "p.conf"), "utf8");
    for (const found of [compileBinary(conf, { file: "p.conf" }).warnings, lintText(conf, "p.conf").diagnostics, analyzeText(conf, "p.conf").diagnostics]) {
      const warned = found.filter((d) => d.code === code);
      expect(warned.map((d) => d.message)).toEqual([tree46]);
      expect(`${warned[0]!.span?.file}:${warned[0]!.span?.line}`).toBe("../xen-4.6-flask/initial_sids:13");
    }
  });
});
