// Live: the analysis commands on Xen's own policy at release tags of xen.git ($XSM_XEN_GIT, read
// with git archive as .ci/run clones it; nothing of it is committed), as a Xen policy maintainer
// runs them, against the tools they replace on checkpolicy's binary of the same policy.conf:
// xsm search = sesearch, xsm info = seinfo, xsm diff = sediff (consecutive tags, and the default
// build against prot_doms_locked_conf=true), xsm flow = seinfoflow (Xen's permission map),
// xsm why/allow = audit2why/audit2allow (-m too) on avc lines in each release's own shape, and
// search --effective = oracle-matrix's allow table. Each tag's tree is built by `xsm build` (4.6's
// in the layout before Makefile.common) to m4's policy.conf and to checkpolicy's bytes; the tree
// directory and the binary are asked too. The MLS build
// (CONFIG_MLS=y) of every tag here is refused by checkpolicy -M (policy/mls names permissions
// class domain lost): xsm build -M refuses it as well, at the lines of policy/mls.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzePolicy, type AnalysisPolicy } from "../../src/analysis/load.js";
import { xsm } from "../cli/run.js";
import { XEN_MAP, flowCases, graphOf } from "../analysis/flow-cases.js";
import { SEDIFF_SECTIONS, avcLog, batch, infoCases, repoRoot, run, searchCases, sediffComparable, sesearchArgs, sortRequire, xenAvcLog } from "./analysis-harness.js";
import { runTool } from "./harness.js";
import { comparableInfo, seinfoExpectedMany } from "./rbac-info-harness.js";
import { checkoutPolicy, m4Command } from "./xen-trees.js";

const GIT = process.env.XSM_XEN_GIT;
const TOOLS = ["checkpolicy", "m4", "sesearch", "seinfo", "sediff", "seinfoflow", "audit2why", "audit2allow", "/usr/bin/python3"];
const missing = TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);

/** The tags, oldest first (diffs compare neighbours), with the avc line shape each prints. */
const REFS: { ref: string; pd: boolean }[] = [
  { ref: "RELEASE-4.6.0", pd: false },
  { ref: "RELEASE-4.10.0", pd: false },
  { ref: "RELEASE-4.14.0", pd: false },
  { ref: "RELEASE-4.17.0", pd: true },
  { ref: "RELEASE-4.19.0", pd: true },
  { ref: "HEAD", pd: true },
];
const VARIANTS: Record<string, string[]> = { default: [], locked: ["prot_doms_locked_conf=true"] };

interface Built {
  name: string;
  /** The tree directory (tools/flask/policy). */
  dir: string;
  defines: string[];
  conf: string;
  text: string;
  /** checkpolicy -t Xen -c 30 of conf. */
  bin: string;
  ap: AnalysisPolicy;
  pd: boolean;
}

const built = new Map<string, Built>();
const work = mkdtempSync(join(tmpdir(), "xsm-xen-tags-"));

async function build(ref: string, pd: boolean, variant: string): Promise<Built> {
  const root = join(work, ref);
  const name = `${ref}.${variant}`;
  const defines = VARIANTS[variant]!;
  const conf = join(work, `${name}.conf`);
  const bin = join(work, `${name}.bin`);
  const ours = join(work, `${name}.xsm.bin`);
  const tree = join(root, "tools/flask/policy");
  const r = await xsm("build", tree, ...defines.flatMap((d) => ["-D", d]), "--conf", conf, "-o", ours);
  expect(r.code, `xsm build ${name}: ${r.stderr}`).toBe(0);
  // each tag's own flask files number its initial SIDs (10, 12 or 13 of them): its tree declares them so
  expect(r.stderr, `${name}: initial SIDs judged by the tag's own numbering`).not.toContain("initial SIDs not as Xen numbers them");
  // the policy.conf the tree's own Makefile writes (Makefile.common from 4.8, the one before)
  const cmd = m4Command(root);
  const m4 = execFileSync("m4", [...defines.flatMap((d) => ["-D", d]), ...cmd.args], { cwd: cmd.cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  expect(readFileSync(conf, "utf8") === m4, `${name}: xsm build's policy.conf = m4's`).toBe(true);
  const cp = await run("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", bin]);
  expect(cp.code, cp.stdout + cp.stderr).toBe(0);
  expect(readFileSync(ours).equals(readFileSync(bin)), `${name}: xsm's binary = checkpolicy's`).toBe(true);
  const text = readFileSync(conf, "utf8");
  return { name, dir: tree, defines, conf, text, bin, ap: analyzePolicy(text, conf), pd };
}

/** The policy as each input form: the policy.conf, the tree directory with its definitions, the
 *  binary checkpolicy wrote (search takes its definitions as --define). */
function inputs(b: Built, search = false): string[][] {
  const forms = [[b.conf], [b.bin]];
  return [...forms, [b.dir, ...b.defines.flatMap((d) => [search ? "--define" : "-D", d])]];
}

/** sesearch queries a maintainer asks of Xen's policy, from its own names: every type and
 *  attribute as source and target, every class with its permissions, the booleans, the roles. */
function xenSearchCases(ap: AnalysisPolicy): string[][] {
  const sym = ap.sym;
  const cases: string[][] = [["--role_allow"], ["--role_trans"], ["-A", "-b", ".*", "--rb"], ["--dontaudit"], ["--auditallow"], ["--type_member"], ["--type_change"]];
  for (const t of sym.types) cases.push(["-A", "-s", t.name], ["-A", "-t", t.name, "--dt"], ["-T", "-s", t.name], ["-A", "--dontaudit", "-s", t.name, "-t", t.name]);
  for (const a of sym.attrs) cases.push(["-A", "-s", a.name, "--ds"], ["-A", "-t", a.name], ["-T", "-t", a.name]);
  for (const c of sym.classes) {
    cases.push(["-A", "-c", c.name]);
    if (c.perms.length) cases.push(["-A", "-c", c.name, "-p", `${c.perms[0]},${c.perms[c.perms.length - 1]}`], ["-A", "-p", c.perms[0]!, "--ep"], ["-A", "-c", c.name, "-p", c.perms[0]!, "--Sp"]);
  }
  for (const b of sym.bools) cases.push(["-A", "-b", b.name], ["--dontaudit", "-A", "-b", b.name, "--eb"]);
  for (const r of sym.roles) cases.push(["--role_allow", "-s", r.name], ["--role_trans", "-s", r.name]);
  cases.push(["-A", "-s", "^dom", "--rs"], ["-A", "-t", "_t$", "--rt", "-c", "^(domain|domain2)$", "--rc"], ["-T", "-D", "_self$", "--rd"], ["-T", "-c", "event,grant"], ["-A", "-s", "domain_type", "-t", "domain_type", "--ds", "--dt"]);
  return cases;
}

/** seinfo queries: every listing plain and expanded, every named component. Initial SIDs are
 *  left out: setools names Xen's from a table that is not Xen's and fails on SID 12 and 13
 *  ("tuple index out of range"; README, xsm info). */
function xenInfoCases(ap: AnalysisPolicy): string[][] {
  const sym = ap.sym;
  const cases: string[][] = [["--all"], ["--all", "-x"], ["-a", "-x"], ["-t", "-x"], ["-r", "-x"], ["-u", "-x"], ["-b", "-x"], ["-c", "-x"], ["--constrain"], ["--common", "-x"], ["--permissive"], ["--typebounds"], ["--polcap"], ["--default"], ["-t", "--flat"]];
  for (const t of sym.types) cases.push(["-t", t.name, "-x"]);
  for (const a of sym.attrs) cases.push(["-a", a.name, "-x"]);
  for (const r of sym.roles) cases.push(["-r", r.name, "-x"]);
  for (const u of sym.users) cases.push(["-u", u.name, "-x"]);
  for (const c of sym.classes) cases.push(["-c", c.name, "-x"], ["--constrain", c.name]);
  for (const b of sym.bools) cases.push(["-b", b.name, "-x"]);
  return cases;
}

/** What xsm diff prints that sediff can print: sediff stops at the initial SIDs of a Xen policy
 *  with SID 12 or 13 ("tuple index out of range"); then both are compared without them. */
async function diffPair(a: Built, b: Built): Promise<void> {
  let [ref] = await batch([{ tool: "sediff", args: [...SEDIFF_SECTIONS, a.bin, b.bin] }]);
  let ours = (await xsm("diff", a.conf, b.conf)).stdout;
  if (/^tuple index out of range$/m.test(ref!.stdout)) {
    [ref] = await batch([{ tool: "sediff", args: [...SEDIFF_SECTIONS.filter((s) => s !== "--initialsid"), a.bin, b.bin] }]);
    ours = ours.replace(/^Initial SIDs \(.*\n(?:.+\n)*\n/m, "");
  }
  expect(ref!.code, ref!.stdout).toBeLessThan(2);
  expect(sediffComparable(ours, false), `xsm diff ${a.name} ${b.name}`).toBe(sediffComparable(ref!.stdout, true));
  // a binary's initial SIDs have numbers, not names: paired and named by Xen's numbering, they
  // differ from the sources' where a release renumbered them (4.17's xenboot, SID 1; README)
  const sids = (report: string, bin: boolean) => (bin ? report.replace(/^Initial SIDs \(.*\n(?:.+\n)*\n/m, "") : report);
  const full = (await xsm("diff", a.conf, b.conf)).stdout;
  for (const form of [[a.bin, b.bin], ...(a.defines.join() === b.defines.join() ? [[a.dir, b.dir, ...a.defines.flatMap((d) => ["-D", d])]] : [])]) {
    const bin = form[0] === a.bin;
    expect(sids((await xsm("diff", ...form)).stdout, bin), `xsm diff ${form.join(" ")}`).toBe(sids(full, bin));
  }
}

describe.skipIf(!GIT || missing.length > 0)(`Xen's policy at its release tags: xsm = setools, policycoreutils ($XSM_XEN_GIT${missing.length ? `; missing ${missing.join(", ")}` : ""})`, () => {
  beforeAll(async () => {
    for (const { ref, pd } of REFS) {
      checkoutPolicy(GIT!, ref, join(work, ref));
      for (const variant of Object.keys(VARIANTS)) built.set(`${ref}.${variant}`, await build(ref, pd, variant));
    }
  });

  for (const { ref } of REFS) {
    for (const variant of Object.keys(VARIANTS)) {
      const name = `${ref}.${variant}`;
      it(`${name}: xsm search = sesearch`, async () => {
        const b = built.get(name)!;
        const cases = [...searchCases(b.ap, 3), ...xenSearchCases(b.ap)];
        const refs = await batch(cases.map((args) => ({ tool: "sesearch", args: [...sesearchArgs(args), b.bin] })));
        let lines = 0;
        for (const [i, args] of cases.entries()) {
          // every form for a few queries, the policy.conf for all (the forms are one policy)
          for (const form of i % 16 === 0 ? inputs(b, true) : [[b.conf]]) {
            const r = await xsm("search", ...form, ...args);
            expect(`${r.code === 0 ? 0 : 1}\n${r.stdout}`, `xsm search ${form.join(" ")} ${args.join(" ")}`).toBe(`${refs[i]!.code}\n${refs[i]!.stdout}`);
          }
          lines += refs[i]!.stdout.split("\n").length - 1;
        }
        expect(lines).toBeGreaterThan(1000);
      });

      it(`${name}: xsm info = seinfo`, async () => {
        const b = built.get(name)!;
        const cases = [...infoCases(b.ap, 3).filter((c) => c.length > 0), ...xenInfoCases(b.ap)];
        const refs = await seinfoExpectedMany(b.bin, cases);
        for (const [i, args] of cases.entries()) {
          for (const form of i % 16 === 0 ? inputs(b) : [[b.conf]]) {
            const r = await xsm("info", ...form, ...args);
            expect(`${r.code}\n${comparableInfo(r.stdout)}`, `xsm info ${form.join(" ")} ${args.join(" ")}`).toBe(`${refs[i]!.code}\n${comparableInfo(refs[i]!.stdout)}`);
          }
        }
        const [stats] = await batch([{ tool: "seinfo", args: [b.bin] }]);
        expect(comparableInfo((await xsm("info", b.conf)).stdout)).toBe(comparableInfo(stats!.stdout));
      });

      it(`${name}: xsm why, allow, allow -m = audit2why, audit2allow on avc lines as this Xen prints them`, async () => {
        const b = built.get(name)!;
        let lines = 0;
        for (const seed of [1, 2, 3]) {
          const log = xenAvcLog(avcLog(b.ap, seed, 80), seed, b.pd);
          const path = join(work, `${name}.${seed}.log`);
          writeFileSync(path, log);
          const [why, allow] = await batch([
            { tool: "audit2why", args: ["-p", b.bin], stdin: log },
            { tool: "audit2allow", args: ["-p", b.bin], stdin: log },
          ]);
          // -m once per process (sepolgen: "init called multiple times")
          const module = await run("/usr/bin/audit2allow", ["-p", b.bin, "-m", "local"], log);
          for (const form of seed === 1 ? inputs(b) : [[b.conf]]) {
            const [p, ...opts] = form;
            expect((await xsm("why", p!, path, ...opts, "--plain")).stdout, `xsm why ${form.join(" ")} (seed ${seed})`).toBe(why!.stdout);
            expect((await xsm("allow", p!, path, ...opts)).stdout, `xsm allow ${form.join(" ")} (seed ${seed})`).toBe(allow!.stdout);
          }
          expect((await xsm("allow", b.conf, path, "-m", "local")).stdout, `xsm allow -m (seed ${seed})`).toBe(sortRequire(module!.stdout));
          lines += (why!.stdout.match(/^\S.*avc: /gm) ?? []).length;
        }
        expect(lines).toBeGreaterThan(150);
      });

      it(`${name}: xsm flow = seinfoflow under Xen's permission map`, async () => {
        const b = built.get(name)!;
        const map = join(repoRoot, XEN_MAP);
        const types = new Set(b.ap.sym.types.map((t) => t.name));
        const xen = [
          ["-s", "domU_t"],
          ["-s", "domU_t", "-t", "dom0_t", "-S", "--full"],
          ["-s", "dom0_t", "-t", "domU_t", "-A", "3", "-l", "30"],
          ["-s", "domU_t", "-t", "xen_t", "-S", "-w", "1"],
          ["-s", "prot_domU_t", "-t", "domU_t", "-S", "-w", "1", "dom0_t"],
          ["-s", "domU_t", "-t", "dom0_t", "-S", "-b", "prot_doms_locked:true", "-w", "1"],
        ].filter((a) => [a[1], a[a.indexOf("-t") + 1]].every((t) => types.has(t!)));
        const cases = [...flowCases(graphOf(b.text, b.conf, readFileSync(map, "utf8")), 5), ...xen];
        const refs = await batch(cases.map((args) => ({ tool: "seinfoflow", args: ["-p", b.bin, "-m", map, ...args] })));
        let flows = 0;
        for (const [i, args] of cases.entries()) {
          for (const form of i === 0 ? inputs(b) : [[b.conf]]) {
            const r = await xsm("flow", ...form, "-m", map, ...args);
            expect(`${r.code}\n${r.stdout}`, `xsm flow ${form.join(" ")} ${args.join(" ")}`).toBe(`${refs[i]!.code}\n${refs[i]!.stdout}`);
          }
          flows += Number(/(\d+) information flow\(s\) found/.exec(refs[i]!.stdout)?.[1] ?? 0);
        }
        expect(flows).toBeGreaterThan(0);
      });

      it(`${name}: xsm search --effective = oracle-matrix's allow table`, async () => {
        const b = built.get(name)!;
        const matrix = await runTool("oracle-matrix", [b.conf]);
        expect(matrix.code, matrix.stderr).toBe(0);
        const table: Record<string, Record<string, Record<string, string[]>>> = {};
        const rows = JSON.parse((await xsm("search", b.conf, "--effective", "--json")).stdout) as { source: string; target: string; class: string; perms: string[] }[];
        for (const r of rows) ((table[r.source] ??= {})[r.target] ??= {})[r.class] = [...r.perms].sort();
        expect(table).toEqual((JSON.parse(matrix.stdout) as { allow: unknown }).allow);
      });
    }

    it(`${ref}: xsm diff = sediff, default against prot_doms_locked_conf=true and back`, async () => {
      const a = built.get(`${ref}.default`)!;
      const b = built.get(`${ref}.locked`)!;
      await diffPair(a, b);
      await diffPair(b, a);
    });
  }

  for (const [i, { ref }] of REFS.entries()) {
    if (i === 0) continue;
    it(`xsm diff ${REFS[i - 1]!.ref} ${ref} = sediff (both builds)`, async () => {
      for (const variant of Object.keys(VARIANTS)) await diffPair(built.get(`${REFS[i - 1]!.ref}.${variant}`)!, built.get(`${ref}.${variant}`)!);
    });
  }

  it("the MLS build of every tag is refused by checkpolicy -M and xsm build -M alike, xsm at policy/mls's lines", async () => {
    for (const { ref } of REFS) {
      const b = built.get(`${ref}.default`)!;
      const cmd = m4Command(join(work, ref));
      const conf = join(work, `${ref}.mls.conf`);
      writeFileSync(conf, execFileSync("m4", ["-D", "enable_mls", ...cmd.args], { cwd: cmd.cwd, encoding: "utf8", maxBuffer: 1 << 28 }));
      const cp = await run("checkpolicy", ["-M", "-t", "Xen", "-c", "30", conf, "-o", join(work, `${ref}.mls.bin`)]);
      const ours = await xsm("build", b.dir, "-M", "-o", join(work, `${ref}.mls.xsm.bin`));
      // a tag whose MLS build compiles is compared like the others: none so far
      expect(cp.code, `${ref}: checkpolicy -M compiled the MLS build; compare it`).not.toBe(0);
      expect(ours.code).toBe(1);
      const first = /ERROR '([^']+)'/.exec(cp.stdout + cp.stderr)?.[1];
      expect(ours.stderr, ref).toContain(`error: ${first}`);
      expect(ours.stderr).toMatch(/policy\/mls:(?!1:)\d+:\d+: error: /);
    }
  });
});
