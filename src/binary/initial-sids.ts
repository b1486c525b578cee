// Initial SIDs that Xen would take for other ones. checkpolicy numbers a policy's initial SIDs by
// the place of their `sid NAME` declarations (1, 2, ...), leaving out one without a context
// (libsepol ocontext_copy_xen: "No context assigned to SID ..., omitting from policy"); Xen's
// policydb_load_isids (xen/xsm/flask/ss/policydb.c), at the first load, puts each context in the
// SID table at that number whatever its name, and Xen's hooks use the numbers of its own list
// (xen/xsm/flask/policy/initial_sids through mkflask.sh: SECINITSID_XENBOOT 1 ... DOMDM 13). So a
// policy declaring them in another order or fewer of them loads without a word and Xen labels its
// objects with other contexts: sidtab_search reads a number with no context as unlabeled (6), and
// fails ("unrecognized SID", -EINVAL, the check denied) when 6 has none; sidtab_insert sets next_sid
// past the highest number loaded, so the contexts Xen labels at run time take the numbers above it,
// which its hooks then read as those initial SIDs. Xen refuses none of this: a warning, strict or not.
// Xen's own list changed over releases (xen 1 ... device 10 in 4.3-4.5, domU 11 and domDM 12 from
// 4.6, xenboot 1 before them all from 4.17): a tree is judged by the list in the flask files it is
// built with; a policy.conf m4 wrote (its #line directives name Xen's initial_sids) by the list m4
// copied from that file, and any other policy.conf by today's.
import type { PolicyAst, InitialSidDecl } from "../policy/ast.js";
import type { Symbols } from "../policy/symbols.js";
import { warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import { XEN_INITIAL_SIDS } from "./to-policy.js";

/** The initial SIDs a Xen build numbers, in its order (SECINITSID_<NAME> is the place, from 1),
 *  and the initial_sids file they were read from, as a message names it. */
export interface XenSidNumbering {
  names: readonly string[];
  file: string;
}

/** Today's Xen (xen.git's xen/xsm/flask/policy/initial_sids since 4.17). */
export const TODAYS_XEN_SIDS: XenSidNumbering = { names: XEN_INITIAL_SIDS, file: "xen/xsm/flask/policy/initial_sids" };

/** The numbering mkflask.sh gives an initial_sids file: every line whose first field is `sid`,
 *  named by its second, numbered from 1 in file order; a `#` line is skipped, and so is a name
 *  already numbered (mkflask.sh says "Duplicate SID definition" and goes on). */
export function mkflaskSids(text: string, file: string): XenSidNumbering {
  const names: string[] = [];
  for (const line of text.split("\n")) {
    if (/^[ \t]*#/.test(line)) continue;
    // awk's default field split: runs of blanks, leading ones ignored
    const fields = line.trim().split(/[ \t]+/);
    if (fields[0] === "sid" && fields[1] !== undefined && !names.includes(fields[1])) names.push(fields[1]);
  }
  return { names, file };
}

/** Where m4 wrote a policy.conf from a tree, the numbering of the flask file its #line directives
 *  name for its `sid` declarations (xen/xsm/flask/policy/initial_sids, a tree's flask/initial_sids,
 *  --flask-dir's): that file's `sid`
 *  lines are the conf's declarations there, which mkflask.sh numbers as they come. Undefined for a
 *  policy.conf without such a section. */
export function flaskSidsOf(ast: PolicyAst): XenSidNumbering | undefined {
  const decls = ast.statements.filter((s): s is InitialSidDecl => s.kind === "sid_decl");
  const file = decls.find((d) => FLASK_INITIAL_SIDS.test(d.span.file))?.span.file;
  if (file === undefined) return undefined;
  const names: string[] = [];
  for (const d of decls) if (d.span.file === file && !names.includes(d.name.name)) names.push(d.name.name);
  return { names, file };
}

// (any directory: --flask-dir may name a copy; a tree's own policy/initial_sids holds the
// contexts, never declarations)
const FLASK_INITIAL_SIDS = /(^|\/)initial_sids$/;

/** "xenboot 1, xen 2, ... domDM 13": a numbering by its first two and its last. */
function numbering(names: readonly string[]): string {
  const at = (i: number) => `${names[i]} ${i + 1}`;
  return names.length <= 3 ? names.map((_, i) => at(i)).join(", ") : `${at(0)}, ${at(1)}, ... ${at(names.length - 1)}`;
}

/** Runs of numbers as "5-13" or "3, 5". */
function ranges(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(j > i ? `${numbers[i]}-${numbers[j]}` : `${numbers[i]}`);
    i = j + 1;
  }
  return out.join(", ");
}

/** One warning when the policy's initial SIDs are not Xen's (`xen`: the release the policy is
 *  built for; by default the flask file m4 wrote it from, flaskSidsOf, else today's) in Xen's
 *  order, each with a context: at the first declaration Xen takes for another SID (or the last
 *  declaration, when only some are missing), naming every SID Xen would see otherwise. */
export function initialSidOrder(ast: PolicyAst, symbols: Symbols, xen: XenSidNumbering = flaskSidsOf(ast) ?? TODAYS_XEN_SIDS): Diagnostic[] {
  const order = xen.names;
  if (order.length === 0) return [];
  const unlabeled = order.indexOf("unlabeled") + 1;
  const decls = ast.statements.filter((s): s is InitialSidDecl => s.kind === "sid_decl");
  if (decls.length === 0) return [];
  const hasContext = (d: InitialSidDecl | undefined) => d !== undefined && symbols.initialSids.get(d.name.name) !== undefined;
  const moved: { decl: InitialSidDecl; sid: number }[] = [];
  const missing: number[] = [];
  order.forEach((own, i) => {
    const d = decls[i];
    if (!hasContext(d)) missing.push(i + 1);
    else if (d!.name.name !== own) moved.push({ decl: d!, sid: i + 1 });
  });
  if (moved.length === 0 && missing.length === 0) return [];
  const name = (sid: number) => order[sid - 1]!;
  // short sentences, one per case, so an editor's hover reads them one at a time
  const sentences = [
    "initial SIDs not as Xen numbers them.",
    `Xen numbers its own ${numbering(order)} (${xen.file}).`,
    "It takes a policy's initial SIDs by their place among the `sid` declarations.",
    "It loads the policy without a word.",
    ...moved.map((m) => `SID ${m.sid} (${name(m.sid)}) would get ${m.decl.name.name}'s context.`),
  ];
  if (missing.length > 0) {
    // sidtab_insert: next_sid is one past the highest number loaded
    const highest = decls.reduce((h, d, i) => (hasContext(d) ? i + 1 : h), 0);
    const one = missing.length === 1;
    const them = one ? "it" : "them";
    sentences.push(`${one ? "SID" : "SIDs"} ${ranges(missing)} (${missing.map(name).join(", ")}) ${one ? "has" : "have"} no context.`);
    // (a Xen without unlabeled does not build: flask's sidtab_search falls back to it)
    if (unlabeled > 0) sentences.push(
      missing.includes(unlabeled)
        ? `Xen reads ${them} as unlabeled (${unlabeled}), which has none either: its checks on ${them} fail ("unrecognized SID").`
        : `Xen reads ${them} as SID ${unlabeled} (${decls[unlabeled - 1]!.name.name}'s context).`,
    );
    const reused = missing.filter((n) => n > highest);
    if (reused.length > 0) sentences.push(`Xen gives ${reused.length === missing.length ? (one ? "this number" : "these numbers") : `SID${reused.length === 1 ? "" : "s"} ${ranges(reused)}`} to the first contexts it labels at run time.`);
  }
  sentences.push(`Declare Xen's ${order.length} in its order, each with a context.`);
  const message = sentences.join(" ");
  const at = moved[0]?.decl ?? decls[Math.min(decls.length, order.length) - 1]!;
  return [warning("initial-sid-order", message, at.name.span)];
}

// The other readers of a Xen binary name its SIDs by tables of their own, neither of them Xen's.
/** libsepol's xen_sid_to_str (kernel_to_common.h), by number: checkpolicy -b's policy.conf and
 *  CIL, and sepol's isid iterator. It predates Xen's xenboot, so each name is Xen's for the SID
 *  before (libsepol's `xen` is Xen's SID 1, xenboot), and past 12 it writes `UNKNOWN<n>`. */
const LIBSEPOL_XEN_SIDS = ["null", "xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device", "domU", "domDM"];
/** setools 4.4's XEN_SIDNAMES (policyrep), indexed by number: seinfo's names. Its 12 names end at
 *  SID 11, and a policy with a higher one (Xen's has 13) makes seinfo --initialsid fail
 *  ("tuple index out of range"). */
const SETOOLS_XEN_SIDS = ["xen", "dom0", "domxen", "domio", "unlabeled", "security", "irq", "iomem", "ioport", "device", "domU", "domDM"];

/** The name checkpolicy -b gives a Xen binary's SID `sid`. */
export function checkpolicySidName(sid: number): string {
  return LIBSEPOL_XEN_SIDS[sid] ?? `UNKNOWN${sid}`;
}

/** The name seinfo gives a Xen binary's SID `sid`, or undefined where it fails on the policy. */
export function seinfoSidName(sid: number): string | undefined {
  return SETOOLS_XEN_SIDS[sid];
}

/** What checkpolicy -b and seinfo call a Xen binary's SID `sid` (a hover's line). */
export function sidReadings(sid: number): string {
  const seinfo = seinfoSidName(sid);
  return seinfo !== undefined
    ? `SID ${sid}: checkpolicy -b names it ${checkpolicySidName(sid)}, seinfo ${seinfo} (their tables of Xen's SIDs are not Xen's)`
    : `SID ${sid}: checkpolicy -b names it ${checkpolicySidName(sid)}; seinfo fails on the policy (setools' Xen names end at SID ${SETOOLS_XEN_SIDS.length - 1})`;
}
