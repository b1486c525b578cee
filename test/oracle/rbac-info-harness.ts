// Shared by scripts/gen-rbac-info-fixtures.ts and the live test test/oracle/rbac-info.oracle.test.ts:
// the policies with role rules, bounds, permissive types, commons, defaults and policy capabilities
// (test/fixtures/analysis/rbac/), and the sesearch --role_allow/--role_trans and seinfo --common,
// --default, --permissive, --polcap, --typebounds, --flat, --all queries asked of each.
import type { AnalysisPolicy } from "../../src/analysis/load.js";
import { declaredRoles } from "../../src/policy/symbols.js";
import { type Job, type Run, batch } from "./analysis-harness.js";
import { prng } from "./shapes.js";

/** [policy.conf, read as MLS]: a hand-written one with every RBAC and info shape, its MLS variant
 *  (default_range), shaped gen-policy seeds (test/oracle/shapes.ts: role attributes, dotted names,
 *  aliases, bounds, permissive types) and Xen's example policy. */
export const RBAC_POLICIES: [string, boolean][] = [
  ["test/fixtures/analysis/rbac/rbac.conf", false],
  ["test/fixtures/analysis/rbac/rbac-mls.conf", true],
  ["test/fixtures/analysis/rbac/shaped-9008.conf", false],
  ["test/fixtures/analysis/rbac/shaped-9014.conf", false],
  ["test/fixtures/analysis/rbac/shaped-9019.conf", false],
  ["examples/xen-flask/policy.conf", false],
];

/** xsm search arguments for the role rules of one policy: each kind alone and together, each
 *  filter (roles, types, attributes, classes, regexes, direct matching), picked by `seed`. */
export function rbacSearchCases(ap: AnalysisPolicy, seed: number): string[][] {
  const sym = ap.sym;
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
  const roles = declaredRoles(sym).map((r) => r.name);
  const types = sym.types.map((t) => t.name);
  const attrs = sym.attrs.map((a) => a.name);
  const classes = sym.classes.map((c) => c.name);
  const kinds = [["--role_allow"], ["--role_trans"], ["--role_allow", "--role_trans"]];
  const cases: string[][] = [...kinds, ["--role_allow", "-A"], ["--role_trans", "-T"]];
  // the roles and types the rules name, so most filters select something
  const ruleRoles = [...new Set([...(sym.roleAllows ?? []).flatMap((r) => [...r.roles, ...r.newRoles]), ...(sym.roleTransitions ?? []).flatMap((r) => [...r.roles, r.newRole])])].map((r) => sym.roles[r]!.name);
  const ruleTypes = [...new Set((sym.roleTransitions ?? []).flatMap((r) => Array.from(r.types)))].map((t) => sym.types[t]!.name);
  const role = () => (rnd() < 0.8 ? pick(ruleRoles) : undefined) ?? pick(roles)!;
  const type = () => (rnd() < 0.8 ? pick(ruleTypes) : undefined) ?? pick(types)!;
  for (const k of kinds) {
    cases.push(
      [...k, "-s", role()],
      [...k, "-s", role(), "--ds"],
      [...k, "-t", role()],
      [...k, "-t", role(), "--dt"],
      [...k, "-t", type()],
      [...k, "-t", type(), "--dt"],
      [...k, "-D", role()],
      [...k, "-c", pick(classes)!],
      [...k, "-c", `${pick(classes)!},${pick(classes)!}`],
      [...k, "-s", "_r$", "--rs"],
      [...k, "-t", pick(["_t$", "^d", "r", "\\."])!, "--rt"],
      [...k, "-t", "^[a-m]", "--rt", "--dt"],
      [...k, "-c", pick(["^dom", "e", "^(resource|event)$"])!, "--rc"],
      [...k, "-D", pick(["^v", "r", "\\."])!, "--rd"],
      [...k, "-s", role(), "-t", type(), "-c", pick(classes)!],
    );
    const attr = pick(attrs);
    if (attr) cases.push([...k, "-t", attr], [...k, "-t", attr, "--dt"]);
  }
  // names sesearch refuses (not a role, not a class)
  cases.push(["--role_trans", "-s", pick(types)!], ["--role_allow", "-D", pick(types)!], ["--role_trans", "-c", "nosuchclass"], ["--role_allow", "-t", "nosuch_x"]);
  return cases;
}

/** xsm info arguments (after the policy) for the listings --common, --default, --permissive,
 *  --polcap, --typebounds, plain, expanded and by name, --flat, several at once, and --all. */
export function infoComponentCases(ap: AnalysisPolicy, seed: number): string[][] {
  const sym = ap.sym;
  const rnd = prng(seed + 101);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
  const cases: string[][] = [];
  for (const o of ["--common", "--default", "--permissive", "--polcap", "--typebounds"]) cases.push([o], [o, "-x"]);
  const common = pick([...ap.commons.keys()]);
  if (common) cases.push(["--common", common, "-x"]);
  // names with something to list, mostly, and names that list nothing
  const withDefaults = sym.classes.filter((c) => c.defaults).map((c) => c.name);
  const classes = sym.classes.map((c) => c.name);
  const permissive = sym.types.filter((t) => t.permissive).map((t) => t.name);
  const types = sym.types.map((t) => t.name);
  const bounded = sym.types.filter((t) => t.bounds !== undefined || t.name.includes(".")).map((t) => t.name);
  cases.push(["--default", (rnd() < 0.8 ? pick(withDefaults) : undefined) ?? pick(classes)!], ["--default", pick(classes)!, "-x"]);
  cases.push(["--permissive", (rnd() < 0.8 ? pick(permissive) : undefined) ?? pick(types)!, "-x"], ["--permissive", pick(types)!]);
  cases.push(["--typebounds", (rnd() < 0.8 ? pick(bounded) : undefined) ?? pick(types)!], ["--typebounds", pick(types)!, "-x"]);
  cases.push(["--polcap", "open_perms"], ["--polcap", "network_peer_controls", "-x"]);
  cases.push(
    ["--flat", "-t", "-a"],
    ["--flat", "-x", "--common", "--default"],
    ["--flat", "-c", "-x"],
    ["--flat", "--permissive", "-x", "--typebounds", "--polcap"],
    ["--common", "--default", "--permissive", "--polcap", "--typebounds", "-x"],
    ["--typebounds", "-t", "-x", "--permissive"],
    ["--all"],
    ["--all", "-x"],
    ["--all", "--flat", "-x"],
  );
  // a class seinfo refuses
  cases.push(["--default", "nosuchclass"]);
  return cases;
}

/** seinfo --all's listings in its order (info.ts SEINFO_ORDER): seinfo's option for each, or null
 *  for the SELinux ocontexts a Xen policy has none of; then the Xen ocontexts by their setools
 *  query (seinfo 4.4.1 never prints them). */
const SEINFO_LISTINGS: [string | null, string][] = [
  ["-b", "Booleans"], ["--category", "Categories"], ["-c", "Classes"], ["--common", "Commons"], ["--constrain", "Constraints"],
  ["--default", "Default rules"], [null, "Fs_use"], [null, "Genfscon"], [null, "Ibendportcon"], [null, "Ibpkeycon"],
  ["--initialsid", "Initial SIDs"], [null, "Netifcon"], [null, "Nodecon"], ["--permissive", "Permissive Types"], ["--polcap", "Polcap"],
  [null, "Portcon"], ["-r", "Roles"], ["--sensitivity", "Sensitivities"], ["--typebounds", "Typebounds"], ["-t", "Types"],
  ["-a", "Type Attributes"], ["-u", "Users"], ["--validatetrans", "Validatetrans"],
];
const XEN_LISTINGS: [string, string][] = [["IoportconQuery", "Ioportcon"], ["IomemconQuery", "Iomemcon"], ["PcideviceconQuery", "Pcidevicecon"], ["PirqconQuery", "Pirqcon"], ["DevicetreeconQuery", "Devicetreecon"]];

/** seinfo's answer to `seinfo BIN ARGS`. `--all` on a Xen policy lists the SELinux ocontexts
 *  (empty, or setools' misreading of the Xen ones, or it fails: "0 is not a valid FSUseRuletype")
 *  and never the Xen ones: its answer is put together from seinfo's statistics and each listing's
 *  own answer (the SELinux ocontexts empty, the Xen ones from setools' queries) and checked to
 *  begin with what seinfo --all printed before the first of those. Initial SIDs seinfo cannot list
 *  (4.4.1's table of Xen SID names is short: "tuple index out of range") are left as their count. */
export async function seinfoExpected(bin: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return (await seinfoExpectedMany(bin, [args]))[0]!;
}

/** seinfoExpected for many argument lists, in one Python process: setools' start-up is most of a
 *  single query's time. */
export async function seinfoExpectedMany(bin: string, argLists: string[][]): Promise<{ code: number; stdout: string }[]> {
  const asked = argLists.map((args) => seinfoJobs(bin, args));
  const results = await batch(asked.flatMap((a) => a.jobs));
  let at = 0;
  return asked.map((a) => a.answer(results.slice(at, (at += a.jobs.length))));
}

function seinfoJobs(bin: string, args: string[]): { jobs: Job[]; answer: (rs: Run[]) => { code: number; stdout: string } } {
  if (!args.includes("--all")) return { jobs: [{ tool: "seinfo", args: [bin, ...args] }], answer: ([r]) => r! };
  const rest = args.filter((a) => a !== "--all");
  const flat = rest.includes("--flat");
  const listed = SEINFO_LISTINGS.filter(([o]) => o !== null) as [string, string][];
  const jobs: Job[] = [
    { tool: "seinfo", args: [bin, "--all", ...rest] },
    { tool: "seinfo", args: [bin] },
    ...listed.map(([o]) => ({ tool: "seinfo" as const, args: [bin, o, ...rest] })),
    ...XEN_LISTINGS.map(([q]) => ({ tool: "xen-ocontexts" as const, args: [q, bin] })),
  ];
  const answer = ([all, stats, ...parts]: Run[]) => {
    const block = (title: string, items: string[]) => (flat ? items.map((l) => `${l}\n`).join("") : `\n${title}: ${items.length}\n${items.map((l) => `   ${l}\n`).join("")}`);
    let out = flat ? "" : stats!.stdout;
    for (const [option, title] of SEINFO_LISTINGS) {
      if (option === null) {
        out += block(title, []);
        continue;
      }
      const r = parts[listed.findIndex(([o]) => o === option)]!;
      if (r.code === 0) out += r.stdout;
      else if (option === "--initialsid") out += flat ? "" : `\nInitial SIDs: ${/Initial SIDs: +(\d+)/.exec(stats!.stdout)![1]}\n`;
      else throw new Error(`seinfo ${option} ${rest.join(" ")}: ${r.stdout}`);
    }
    XEN_LISTINGS.forEach(([, title], j) => out += block(title, parts[listed.length + j]!.stdout.split("\n").filter((l) => l !== "")));
    // what seinfo --all printed up to the first SELinux ocontext listing
    const upTo = flat ? all!.stdout : all!.stdout.slice(0, Math.max(0, all!.stdout.indexOf("\nFs_use:")));
    if (!flat && !out.startsWith(upTo)) throw new Error(`seinfo --all ${rest.join(" ")} printed what its listings do not begin with`);
    return { code: 0, stdout: out };
  };
  return { jobs, answer };
}

/** setools names a Xen policy's initial SIDs from its own table, off by one from Xen's (README),
 *  and cannot list some: the Initial SIDs listing is compared by its count (its items dropped,
 *  listed or --flat -x). Braced name sets are compared sorted. */
export function comparableInfo(text: string): string {
  const lines = text.replace(/^Statistics for policy file: .*\n/, "").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^sid \S+ /.test(line)) continue;
    out.push(line);
    if (/^Initial SIDs: \d+$/.test(line)) while (i + 1 < lines.length && lines[i + 1]!.startsWith("   ")) i++;
  }
  // setools prints a constraint's name set in Python's set order (shapes.test.ts): sorted here
  return out.join("\n").replace(/\{ ([^{}]*) \}/g, (_, b: string) => `{ ${b.trim().split(/\s+/).sort().join(" ")} }`);
}
