// The text audit2why and audit2allow print (policycoreutils audit2allow __output_audit2why;
// sepolgen policygen.py, output.py sort_filter, refpolicy.py), so `xsm why --plain` and
// `xsm allow` can be compared with them byte for byte.
import type { AvcLine } from "./avcline.js";
import { byCodePoint } from "../policy/matrix.js";
import { allowRuleText, bracedPerms, nearLines } from "../policy/reasons.js";
import type { InterfaceAnswer, InterfaceGrant, UndecidedCall } from "../policy/interface-grants.js";
import { pySorted } from "./search.js";
import { booleanDescription, type Explanation } from "./why.js";

const MISMATCH =
  "\t\tPossible mismatch between this policy and the one under which the audit message was generated.\n\n" +
  "\t\tPossible mismatch between current in-memory boolean settings vs. permanent ones.\n\n";

/** audit2why's block for one avc line; "" for a line audit2why drops (it cannot analyse it). */
export function audit2whyText(avc: AvcLine, e: Explanation): string {
  if (e.cause === "invalid") return "";
  let out = `${avc.text}${avc.newline ? "\n" : ""}\n\tWas caused by:\n`;
  switch (e.cause) {
    case "allowed":
      return `${out}\t\tUnknown - would be allowed by active policy\n${MISMATCH}`;
    case "dontaudit":
      return `${out}\t\tUnknown - should be dontaudit'd by active policy\n${MISMATCH}`;
    case "boolean": {
      const bools = Object.entries(e.booleans!);
      if (bools.length > 1) {
        out += "\tOne of the following booleans was set incorrectly.\n";
        for (const [name, v] of bools) out += `\tDescription:\n\t${booleanDescription(name)}\n\n\tAllow access by executing:\n\t# setsebool -P ${name} ${v ? 1 : 0}\n`;
        return out;
      }
      const [name, v] = bools[0]!;
      return `${out}\tThe boolean ${name} was set incorrectly. \n\tDescription:\n\t${booleanDescription(name)}\n\n\tAllow access by executing:\n\t# setsebool -P ${name} ${v ? 1 : 0}\n`;
    }
    case "te-rule":
      return `${out}\t\tMissing type enforcement (TE) allow rule.\n\n\t\tYou can use audit2allow to generate a loadable module to allow this access.\n\n`;
    case "constraint":
      out += `\n#Constraint rule:\n\n#\t${e.constraint}\n`;
      for (const [a, b] of e.differences ?? []) out += `#\tPossible cause is the source ${a} and target ${b} are different.\n\n`;
      return out;
    case "role":
      return `${out}\t\tMissing role allow rule.\n\n\t\tAdd an allow rule for the role pair.\n\n`;
  }
}

/** Our explanation under audit2why's: the rules, conditionals and constraints behind the cause. */
export function explanationText(e: Explanation): string {
  let out = "";
  for (const r of e.rules ?? []) {
    out += r.enabled ? `\txsm: granted by ${r.at}: ${r.text}\n` : `\txsm: would be granted by ${r.at} if ${r.condition}: ${r.text}\n`;
  }
  if (e.cause === "te-rule" && (e.rules ?? []).length === 0) out += `\txsm: no allow rule names ${e.perms!.join(", ")} for this pair\n`;
  if (e.nearest) out += nearLines(e.nearest, "\txsm:   ").map((l) => `${l}\n`).join("");
  if (e.cause === "boolean") out += `\txsm: set ${Object.entries(e.booleans!).map(([n, v]) => `${n}=${v}`).join(" or ")}\n`;
  for (const c of e.constraints ?? []) out += `\txsm: constraint ${c.at} fails: ${c.text}\n`;
  if (e.cause === "role") {
    const { role, newRole } = e.roleDenied!;
    // dyntransition alone is libsepol's (audit2why's) denial: Xen checks only transition
    const who = e.perms!.includes("transition") ? "Xen denies domain transition" : "audit2why's libsepol denies domain dyntransition (Xen does not check it)";
    out += `\txsm: no \`allow ${role} ${newRole};\` (role allow): ${who} from role ${role} to role ${newRole} without it\n`;
  } else if (e.cause === "allowed") out += "\txsm: allowed by this policy: the host runs another policy or other boolean values\n";
  return out ? `${out}\n` : "";
}

interface AccessVector {
  source: string;
  target: string;
  tclass: string;
  cause: Explanation["cause"];
  perms: Set<string>;
  explanation: Explanation;
}

/** One access vector audit2allow would write a rule for, as a question for the tree's interfaces. */
export interface Missing {
  source: string;
  target: string;
  tclass: string;
  perms: string[];
}

/** audit2allow's access vector set: denials merged per (source, target, class, cause). */
export class AllowSet {
  private readonly avs = new Map<string, AccessVector>();

  add(avc: AvcLine, e: Explanation): void {
    // sepolgen's to_access keeps denials only; lines it cannot analyse never reach it
    if (!avc.denied || e.cause === "invalid") return;
    const source = avc.scontext.split(":")[2]!;
    const target = avc.tcontext.split(":")[2]!;
    const key = `${source}\u0000${target}\u0000${avc.tclass}\u0000${e.cause}`;
    let av = this.avs.get(key);
    if (!av) {
      av = { source, target, tclass: avc.tclass, cause: e.cause, perms: new Set(), explanation: e };
      this.avs.set(key, av);
    }
    for (const p of avc.perms) av.perms.add(p);
  }

  get size(): number {
    return this.avs.size;
  }

  /** The access vectors no rule grants (audit2why's "te-rule"), for which an interface may, in
   *  the order the rules are written (the calls proposed for them make one module). */
  missing(): Missing[] {
    return this.sorted().filter((av) => av.cause === "te-rule").map((av) => ({ source: av.source, target: av.target, tclass: av.tclass, perms: pySorted(av.perms) }));
  }

  /** The rules audit2allow prints: grouped by source type, stably sorted by (source, target, class). */
  private sorted(): AccessVector[] {
    // AccessVectorSet iterates source, then target, then (class, cause) in first-seen order
    const bySource = new Map<string, Map<string, AccessVector[]>>();
    for (const av of this.avs.values()) {
      const t = bySource.get(av.source) ?? new Map<string, AccessVector[]>();
      bySource.set(av.source, t);
      t.set(av.target, [...(t.get(av.target) ?? []), av]);
    }
    const flat = [...bySource.values()].flatMap((t) => [...t.values()].flat());
    return flat.sort((a, b) => byCodePoint(a.source, b.source) || byCodePoint(shown(a), shown(b)) || byCodePoint(a.tclass, b.tclass));
  }

  /** The rules as data, in audit2allow's order. */
  rules(grants?: GrantsOf): { source: string; target: string; class: string; perms: string[]; cause: Explanation["cause"]; booleans?: Record<string, boolean>; interfaces?: InterfaceGrant[]; undecided?: UndecidedCall[]; grantedAbove?: string[] }[] {
    return this.sorted().map((av) => {
      const found = av.cause === "te-rule" ? grants?.(av) : undefined;
      return {
        source: av.source,
        target: shown(av),
        class: av.tclass,
        perms: pySorted(av.perms),
        cause: av.cause,
        ...(av.explanation.booleans ? { booleans: av.explanation.booleans } : {}),
        ...(found ? { interfaces: found.grants } : {}),
        ...(found && found.undecided.length > 0 ? { undecided: found.undecided } : {}),
        ...(found?.above ? { grantedAbove: found.above } : {}),
      };
    });
  }

  /** audit2allow's text; with `grants` (audit2allow -R), a rule an interface of the tree grants is
   *  written as the tightest call, the rule and any other call in a comment above it. */
  render(module?: string, grants?: GrantsOf): string {
    const avs = this.sorted();
    let out = "";
    if (module !== undefined) {
      out += `\nmodule ${module} 1.0;\n\nrequire {\n`;
      const types = pySorted(new Set(avs.flatMap((a) => [a.source, a.target])));
      for (const t of types) out += `\ttype ${t};\n`;
      const classes = new Map<string, Set<string>>();
      for (const a of avs) for (const p of a.perms) classes.set(a.tclass, (classes.get(a.tclass) ?? new Set()).add(p));
      for (const c of pySorted(classes.keys())) out += `\tclass ${c} ${bracedPerms(pySorted(classes.get(c)!))};\n`;
      out += "}\n\n";
    } else out += "\n\n";
    let cur: string | undefined;
    for (const av of avs) {
      if (av.source !== cur) {
        if (cur !== undefined) out += "\n";
        cur = av.source;
        out += `#============= ${cur} ==============\n`;
      }
      out += comment(av.explanation);
      const rule = allowRuleText(av.source, av.target, av.tclass, av.perms);
      const found = av.cause === "te-rule" ? grants?.(av) : undefined;
      if (found?.above !== undefined) {
        // (one module: the call is written once, a call declaring types could not be twice)
        out += `\n# ${rule}\n# granted by ${found.above.join(" and ")} above\n`;
        continue;
      }
      // a call that would declare again what a call above declares is passed over, and said
      const calls = found?.grants ?? [];
      const at = calls.findIndex((g) => g.clash === undefined);
      const best = at < 0 ? undefined : calls[at];
      const others = calls.filter((g, i) => i > at && g.clash === undefined);
      const clashing = (g: InterfaceGrant | UndecidedCall) => `# not offered: ${g.call}${ranked(g)} declares ${g.clash!.names.join(", ")}, as ${g.clash!.call} above does\n`;
      // an undecided call is said on its own line when it is the nearest (audit2allow -R, which
      // offers no interface of more than one parameter, marks nothing: `#!!!!` stays its own);
      // one farther than the offered call is one more alternative
      const undecided = found?.undecided ?? [];
      const near = undecided.filter((u) => best === undefined || ranksBefore(u, best));
      const far = undecided.filter((u) => !near.includes(u) && u.clash === undefined);
      const notes = [
        ...(at < 0 ? calls : calls.slice(0, at)).map(clashing),
        ...near.map((u) => (u.clash !== undefined ? clashing(u) : `# not offered: ${u.call}${ranked(u)} from ${u.file} grants it with any of ${u.types} types as ${u.parameter}, such as ${u.examples.join(", ")} (${u.reason}): too many to guess\n`)),
      ].join("");
      if (best !== undefined) {
        out += `\n# ${rule}\n# granted by ${best.file}'s ${best.name}${ranked(best)}: ${best.rules} allow rule${best.rules === 1 ? "" : "s"}, ${best.perms} permission${best.perms === 1 ? "" : "s"}${best.declares ? `; declares ${best.declares.join(", ")}` : ""}\n`;
        if (best.chosen) out += `# ${best.chosen.parameter} = ${best.chosen.argument}: ${best.chosen.reason}\n`;
        const also = [...others, ...far].sort((a, b) => Number(ranksBefore(b, a)) - Number(ranksBefore(a, b)));
        if (also.length > 0) out += `# also: ${also.map((g) => `${g.call}${ranked(g)}`).join(", ")}\n`;
        out += `${notes}${best.call}\n`;
      } else out += notes === "" ? `${rule}\n` : `\n${notes}${rule}\n`;
    }
    return out;
  }
}

/** audit2allow -R's `# [distance]` of a call, as it writes it after each interface it offers. */
function ranked(g: { distance?: number }): string {
  return g.distance === undefined ? "" : ` [${g.distance}]`;
}

/** Does `a` rank before `b`, as the calls are ranked (a distance >= 0 first, then the smaller
 *  magnitude)? Unranked calls keep their order. */
function ranksBefore(a: { distance?: number }, b: { distance?: number }): boolean {
  if (a.distance === undefined || b.distance === undefined) return false;
  const [x, y] = [a.distance, b.distance];
  return x >= 0 !== y >= 0 ? x >= 0 : Math.abs(x) < Math.abs(y);
}

/** The interfaces that grant an access vector (undefined: not asked). */
export type GrantsOf = (av: Omit<Missing, "perms">) => InterfaceAnswer | undefined;

/** refpolicy.AVRule writes `self` for a target equal to the source (and sorts by what it writes). */
function shown(av: AccessVector): string {
  return av.target === av.source ? "self" : av.target;
}

/** policygen.py __add_av_rule's comment lines (each starting a new line). */
function comment(e: Explanation): string {
  switch (e.cause) {
    case "allowed":
      return "\n#!!!! This avc is allowed in the current policy\n";
    case "dontaudit":
      return "\n#!!!! This avc has a dontaudit rule in the current policy\n";
    case "boolean": {
      const names = Object.keys(e.booleans!);
      return names.length > 1
        ? `\n#!!!! This avc can be allowed using one of the these booleans:\n#     ${names.join(", ")}\n`
        : `\n#!!!! This avc can be allowed using the boolean '${names[0]}'\n`;
    }
    case "constraint": {
      let s =
        "\n#!!!! This avc is a constraint violation.  You would need to modify the attributes of either the source or target types to allow this access.\n#Constraint rule: \n#\t" +
        e.constraint!;
      for (const [a, b] of e.differences ?? []) s += `\n#\tPossible cause is the source ${a} and target ${b} are different.`;
      return `${s}\n`;
    }
    default:
      return "";
  }
}
