// A binary policy (checkpolicy's output, Xen's xenpolicy-<version>) as the analysis commands read
// it: the compiled policy and tables src/binary builds for decisions, plus what the analyses need
// that decisions do not: the commons, the role allow list, and each constraint's expression with
// the names as the binary keeps them (type_names: types and attributes as written, policy version
// >= 29), so audit2why's and sediff's texts come out as they do on the same file.
import type { AnalysisPolicy } from "../analysis/load.js";
import { analyzeTables } from "../analysis/load.js";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { BinaryFormatError } from "../binary/bytes.js";
import { binaryError } from "../binary/load.js";
import { CEXPR_ROLE, CEXPR_TARGET, CEXPR_USER, CEXPR_XTARGET, ConsExprType, TYPE_PRIMARY, type ConsExpr, type KernelPolicy } from "../binary/model.js";
import { readPolicy } from "../binary/read.js";
import { MLS_ATTRS, kernelToPolicy } from "../binary/to-policy.js";
import { constraintFromPostfix, type PostfixItem } from "../analysis/constrainttree.js";

const CMP: Record<number, string> = { 1: "==", 2: "!=", 3: "dom", 4: "domby", 5: "incomp" };

/** Reads a binary policy into an AnalysisPolicy; throws PolicyError (one diagnostic) if it cannot. */
export function analyzeBinary(data: Uint8Array, file: string): AnalysisPolicy {
  try {
    const { policy: kernel, offsets } = readPolicy(data);
    const { policy, listing, sym, ex } = kernelToPolicy(kernel, file, [], offsets);
    const commons = new Map(kernel.commons.entries.map((c) => [c.name, [...c.perms].sort((a, b) => a.value - b.value).map((p) => p.name)]));
    const roleAllows = kernel.roleAllow.map((r): [number, number] => [r.role - 1, r.newRole - 1]);
    // kernelToPolicy lists constraints class by class (by value), each class's in its list order
    const constraintSources = new Map<number, ReturnType<typeof constraintFromPostfix>>();
    let i = 0;
    let excluding = 0;
    for (const cls of [...kernel.classes.entries].sort((a, b) => a.value - b.value)) {
      for (const c of cls.constraints) {
        const con = sym.constraints[i++];
        if (con) constraintSources.set(con.span.offset, constraintFromPostfix(postfix(kernel, c.expr), con.span));
        if (c.expr.some((e) => e.typeNames && (e.typeNames.negset.length > 0 || e.typeNames.flags !== 0))) excluding++;
      }
    }
    // and validatetrans, each class's in statement order (its list reversed, as kernelToPolicy reads it)
    let j = 0;
    for (const cls of [...kernel.classes.entries].sort((a, b) => a.value - b.value)) {
      for (const c of [...cls.validatetrans].reverse()) {
        const v = sym.validatetrans[j++];
        if (v) constraintSources.set(v.span.offset, constraintFromPostfix(postfix(kernel, c.expr), v.span));
      }
    }
    // setools 4.4.1 prints such a set by its included names and warns that it leaves the rest out;
    // so does the text here (decisions use the expanded names, which the binary holds too)
    const notes = excluding
      ? [`${file}: ${excluding} constraint${excluding === 1 ? "" : "s"} with a type set that excludes types (-, * or ~): shown by the included names only, as setools shows them`]
      : [];
    // the config word's handle_unknown bits (policydb.h HANDLE_UNKNOWN_MASK: 2 reject, 4 allow)
    const handleUnknown = kernel.config & 4 ? "allow" : kernel.config & 2 ? "reject" : "deny";
    return analyzeTables({ file, policy, sym, ex, text: listing, commons, roleAllows, constraintSources, neverallows: [], notes, version: kernel.version, handleUnknown });
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new PolicyError([binaryError(err, file)]);
    throw err;
  }
}

/** A constraint's postfix expression with names (what constrainttree.ts rebuilds the tree from). */
function postfix(k: KernelPolicy, expr: ConsExpr[]): PostfixItem[] {
  const typeNames = new Map(k.types.entries.filter((t) => (t.properties & TYPE_PRIMARY) !== 0).map((t) => [t.value, t.name]));
  const roleNames = new Map(k.roles.entries.map((r) => [r.value, r.name]));
  const userNames = new Map(k.users.entries.map((u) => [u.value, u.name]));
  return expr.map((e): PostfixItem => {
    switch (e.type) {
      case ConsExprType.Not:
        return { op: "not" };
      case ConsExprType.And:
        return { op: "and" };
      case ConsExprType.Or:
        return { op: "or" };
      default: {
        const kind = e.attr & CEXPR_USER ? "u" : e.attr & CEXPR_ROLE ? "r" : "t";
        const cmp = CMP[e.op] ?? "==";
        const levels = e.type === ConsExprType.Attr ? MLS_ATTRS[e.attr] : undefined;
        if (levels) return { op: "cmp", cmp, left: levels[0], right: levels[1] };
        if (e.type === ConsExprType.Attr) return { op: "cmp", cmp, left: `${kind}${e.attr & CEXPR_TARGET ? 2 : 1}`, right: `${kind}${e.attr & CEXPR_XTARGET ? 3 : 2}` };
        const names = kind === "t" ? typeNames : kind === "r" ? roleNames : userNames;
        const bits = kind === "t" && e.typeNames ? e.typeNames.types : (e.names ?? []);
        const left = `${kind}${e.attr & CEXPR_XTARGET ? 3 : e.attr & CEXPR_TARGET ? 2 : 1}`;
        return { op: "names", cmp, left, names: bits.map((b) => names.get(b + 1)).filter((n): n is string => n !== undefined) };
      }
    }
  });
}
