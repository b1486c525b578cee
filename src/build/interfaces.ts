// Which of a tree's m4 interfaces would grant an access the policy denies: what audit2allow -R
// does with refpolicy's interfaces, for a Xen tree's modules/*.if (`use_device_iommu(dom0_t,
// device_t)` rather than the raw allow rule it expands to). Each interface of one or two
// parameters is called with the denial's source (and target) types, all calls expanded by one m4
// run over the tree's definitions, as Makefile.common hands them to m4; a call whose expansion,
// added to the policy where its modules' rules stand, makes the compiled policy allow every
// denied permission is a match. Interfaces that declare types (declare_domain) or take a variable
// number of arguments are not candidates: they make new labels, not grants.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../policy/index.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { ExpandedTree } from "./expand.js";
import { runM4 } from "./m4.js";
import type { MacroDef } from "./macros.js";

export interface AccessQuery {
  source: string;
  target: string;
  tclass: string;
  perms: readonly string[];
}

export interface InterfaceGrant {
  /** The call as a module writes it: `use_device_iommu(dom0_t, device_t)`. */
  call: string;
  /** The interface's definition (file as the tree names it). */
  name: string;
  file: string;
  /** How many allow rules the call expands to, and the permissions they name in all: the
   *  fewer, the less it grants beyond the denial. */
  rules: number;
  perms: number;
}

export interface GrantOptions {
  /** The tree's policy is MLS (its calls are compiled as such). */
  mls?: boolean;
  /** The policy `expanded.conf` compiles to, when the caller holds it already (xsm allow's
   *  analysis): the denials it allows are asked nothing. Without it, the conf is compiled here. */
  policy?: CompiledPolicy;
}

/** The tree's interfaces that grant each query, tightest first (fewest permissions named, then
 *  fewest allow rules, then the shorter call). A query no interface grants, or one the policy
 *  already allows (or a conf that does not compile), has an empty list. */
export function grantingInterfaces(expanded: ExpandedTree, queries: readonly AccessQuery[], options: GrantOptions = {}): InterfaceGrant[][] {
  const candidates = [...expanded.macros.values()].filter(isCandidate);
  // every call once, whatever queries ask it
  const calls = new Map<string, { def: MacroDef; index: number }>();
  const asked = queries.map((q) =>
    candidates.map((def) => {
      const call = `${def.name}(${(arity(def) === 2 ? [q.source, q.target] : [q.source]).join(", ")})`;
      if (!calls.has(call)) calls.set(call, { def, index: calls.size });
      return call;
    }),
  );
  const segments = expandCalls(expanded, [...calls.keys()]);
  const splice = spliceAt(expanded.conf);
  const verdicts = new Map<string, boolean>();
  const base = options.policy ?? basePolicy(expanded.conf, options.mls);
  return queries.map((q, i) => {
    const found: InterfaceGrant[] = [];
    // (every call "grants" what the policy allows already)
    if (base === undefined || q.perms.every((p) => base.allows(q.source, q.target, q.tclass, p) === true)) return found;
    for (const call of asked[i]!) {
      const { def, index } = calls.get(call)!;
      const text = segments[index];
      if (text === undefined || !grantsOnly(text) || !new RegExp(`\\b${q.tclass}\\b`).test(text)) continue;
      const key = `${call}\0${q.source}\0${q.target}\0${q.tclass}\0${q.perms.join(" ")}`;
      let grants = verdicts.get(key);
      if (grants === undefined) {
        const run = compile(`${expanded.conf.slice(0, splice)}${text}\n${expanded.conf.slice(splice)}`, { file: "policy.conf", mls: options.mls });
        grants = run.ok && q.perms.every((p) => run.value.policy.allows(q.source, q.target, q.tclass, p) === true);
        verdicts.set(key, grants);
      }
      if (grants) found.push({ call, name: def.name, file: def.file, ...size(text) });
    }
    return found.sort((a, b) => a.perms - b.perms || a.rules - b.rules || a.call.length - b.call.length || (a.call < b.call ? -1 : 1));
  });
}

function basePolicy(conf: string, mls: boolean | undefined): CompiledPolicy | undefined {
  const run = compile(conf, { file: "policy.conf", mls });
  return run.ok ? run.value.policy : undefined;
}

/** The allow rules of an expansion and the permissions they name (`*` and `~{...}` count as
 *  every permission: more than any list). */
function size(text: string): { rules: number; perms: number } {
  let rules = 0;
  let perms = 0;
  for (const m of text.matchAll(/^\s*allow\s[^;]*:[^;{\s]+\s*(\{[^}]*\}|[^;\s]+)\s*;/gm)) {
    rules++;
    const list = m[1]!;
    perms += /[*~]/.test(list) ? 1000 : list.replace(/[{}]/g, " ").trim().split(/\s+/).length;
  }
  return { rules, perms };
}

/** An interface of a module (.if) taking one or two arguments, each by number. */
function isCandidate(def: MacroDef): boolean {
  if (!/\.if$/.test(def.file)) return false;
  if (/\$[@*#]|\bshift\(/.test(def.body)) return false;
  const n = arity(def);
  return n === 1 || n === 2;
}

function arity(def: MacroDef): number {
  return Math.max(0, ...[...def.body.matchAll(/\$([0-9])/g)].map((m) => Number(m[1])));
}

/** Only rules about existing types: no declaration a second call would repeat. */
function grantsOnly(text: string): boolean {
  return /^\s*allow\s/m.test(text) && !/^\s*(type|attribute|typeattribute|typealias|bool|role|user|class|common|sid)\s/m.test(text);
}

/** Where a module's rules stand in m4's output: before the users (policy/users), as the modules'
 *  .te files do. */
function spliceAt(conf: string): number {
  const users = /^#line 1 "policy\/users"$/m.exec(conf) ?? /^user\s/m.exec(conf);
  return users ? users.index : conf.length;
}

const MARK = "#xsm-interface-call";

/** m4's expansion of each call (without #line directives), by the calls' order: one m4 run over
 *  the tree's definitions (its sections up to the modules' rules) and a file of the calls, each
 *  after a comment m4 passes through. */
function expandCalls(expanded: ExpandedTree, calls: readonly string[]): (string | undefined)[] {
  if (calls.length === 0) return [];
  const { tree } = expanded;
  const rules = new Set(tree.sections.filter((s) => /\.(te|cons)$/.test(s) || /^policy\/(users|constraints|initial_sids|device_contexts)$/.test(s)));
  const scratch = mkdtempSync(join(tmpdir(), "xsm-interfaces-"));
  try {
    const file = join(scratch, "calls.te");
    writeFileSync(file, calls.map((c, i) => `${MARK} ${i}\n${c}\n`).join(""));
    const m4 = runM4({ ...tree, sections: [...tree.sections.filter((s) => !rules.has(s)), file] });
    if (m4.diagnostics.some((d) => d.severity === "error")) return [];
    const out: (string | undefined)[] = [];
    const parts = m4.text.split(new RegExp(`^${MARK} (\\d+)$`, "m"));
    for (let i = 1; i + 1 < parts.length; i += 2) out[Number(parts[i])] = parts[i + 1]!.replace(/^#line .*$/gm, "").trim();
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
