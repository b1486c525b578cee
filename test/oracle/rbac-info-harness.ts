// Shared by scripts/gen-rbac-info-fixtures.ts and the live test test/oracle/rbac-info.oracle.test.ts:
// the policies with role rules, bounds, permissive types, commons, defaults and policy capabilities
// (test/fixtures/analysis/rbac/), and the sesearch --role_allow/--role_trans and seinfo --common,
// --default, --permissive, --polcap, --typebounds, --flat, --all queries asked of each.
import type { AnalysisPolicy } from "../../src/analysis/load.js";
import { declaredRoles } from "../../src/policy/symbols.js";
import { batch } from "./analysis-harness.js";
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

/** xsm info arguments (after the policy) for the new listings: filled in with the info options. */
export function infoComponentCases(_ap: AnalysisPolicy, _seed: number): string[][] {
  return [];
}

/** seinfo's answer to `seinfo BIN ARGS`. */
export async function seinfoExpected(bin: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const [r] = await batch([{ tool: "seinfo", args: [bin, ...args] }]);
  return r!;
}
