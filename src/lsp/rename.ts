// Rename, as a policy author expects it: the resolved occurrences of one symbol (occurrences.ts),
// each replaced where the editor shows it (a .conf's line, or in a tree the .te/.if line m4 took it
// from), and nothing else spelled alike. What would make the policy mean something else is
// refused with the reason, before anything is edited: a Xen class or permission, a built-in name, a
// new name that is not a name, is a keyword, or is already taken in the symbol's namespace.
import { RESERVED } from "../policy/scan.js";
import { platformAttributes } from "../policy/svp.js";
import type { Model } from "./model.js";
import { declared, occurrences } from "./occurrences.js";
import type { NameKind } from "../policy/name-index.js";

/** One edit: occurrence `at` of the index, whose text `oldText` becomes `newText`. */
export interface RenameEdit {
  at: number;
  oldText: string;
  newText: string;
}

export type RenamePlan = { edits: RenameEdit[] } | { refused: string };

const WHAT: Record<NameKind, string> = {
  type: "type",
  attribute: "attribute",
  alias: "type alias",
  typeish: "type",
  class: "class",
  common: "common",
  perm: "permission",
  bool: "boolean",
  role: "role",
  user: "user",
  sid: "initial SID",
  platform: "platform",
  sensitivity: "sensitivity",
  category: "category",
};

/** Why a symbol of `kind` named `name` cannot be renamed; undefined when it can. */
export function refusal(kind: NameKind, name: string): string | undefined {
  switch (kind) {
    case "class":
    case "perm":
    case "common":
      // Xen's build generates its class and permission constants (SECCLASS_*, XEN__*) from its
      // flask files (xen/xsm/flask/policy/security_classes, access_vectors; mkflask.sh,
      // mkaccess_vector.sh), and the hooks (hooks.c) check those numbers: a name changed in the
      // policy alone no longer matches the hypervisor that enforces it
      return (
        `${WHAT[kind]} \`${name}\` is one of Xen's flask definitions ` +
        "(xen/xsm/flask/policy/security_classes and access_vectors, from which Xen's build " +
        "generates the constants its hooks check): rename it there and in the hypervisor, " +
        "not in the policy"
      );
    case "sid":
      // initial SIDs are numbered by their place in Xen's initial_sids (flask.h SECINITSID_*)
      return (
        `initial SID \`${name}\` is one of Xen's (xen/xsm/flask/policy/initial_sids, ` +
        "SECINITSID_* in its headers): it cannot be renamed in the policy"
      );
    case "role":
      // libsepol's policydb defines object_r itself (OBJECT_R), every object's role
      if (name === "object_r")
        return (
          "role `object_r` is built in (libsepol's OBJECT_R, the role of every object): " +
          "it cannot be renamed"
        );
      return undefined;
    default:
      return undefined;
  }
}

// GNU m4's builtins: in a tree, m4 would read a name spelled so as the builtin (xen's build runs
// `m4 -s` without -P)
const M4_EXPANDS = "m4 would expand it when it builds the tree";

const M4_BUILTINS = new Set([
  "__file__",
  "__gnu__",
  "__line__",
  "__program__",
  "__unix__",
  "__windows__",
  "builtin",
  "changecom",
  "changequote",
  "changeword",
  "debugfile",
  "debugmode",
  "decr",
  "define",
  "defn",
  "divert",
  "divnum",
  "dnl",
  "dumpdef",
  "errprint",
  "esyscmd",
  "eval",
  "format",
  "ifdef",
  "ifelse",
  "include",
  "incr",
  "index",
  "indir",
  "len",
  "m4exit",
  "m4wrap",
  "maketemp",
  "mkstemp",
  "patsubst",
  "popdef",
  "pushdef",
  "regexp",
  "shift",
  "sinclude",
  "substr",
  "syscmd",
  "sysval",
  "traceoff",
  "traceon",
  "translit",
  "undefine",
  "undivert",
  "unix",
  "windows",
]);

/** The kinds that share a namespace with `kind` (checkpolicy's symbol tables: types, attributes
 *  and aliases are one; a sensitivity's aliases are sensitivities, a category's categories). */
function namespace(kind: NameKind): NameKind[] {
  return kind === "type" || kind === "attribute" || kind === "alias"
    ? ["type", "attribute", "alias"]
    : [kind];
}

/** Whether `name` is taken in the namespace of `kind`: declared in the text, or known to the
 *  compiled symbols (an attribute a platform generates, the built-in object_r). */
function taken(m: Model, kind: NameKind, name: string): boolean {
  const index = m.index!;
  if (namespace(kind).some((k) => declared(index, name, k))) return true;
  const n = m.names;
  if (!n) return false;
  switch (kind) {
    case "type":
    case "attribute":
    case "alias":
      return n.typeIds.has(name) || n.attrIds.has(name);
    case "role":
      return n.roleIds.has(name);
    case "user":
      return n.userIds.has(name);
    case "bool":
      return n.boolIds.has(name);
    case "sensitivity":
      return n.sensIds?.has(name) ?? false;
    case "category":
      return n.catIds?.has(name) ?? false;
    case "platform":
      return m.platforms.some((p) => p.name.name === name);
    default:
      return false;
  }
}

/** Why `newName` cannot be the new name of `oldName` (a `kind`); undefined when it can. */
function newNameRefusal(
  m: Model,
  kind: NameKind,
  oldName: string,
  newName: string,
): string | undefined {
  const what = WHAT[kind];
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(newName)) {
    return (
      `\`${newName}\` is not a name: a name starts with a letter and goes on with letters, ` +
      "digits, `_` or `-` (checkpolicy's policy_scan.l)"
    );
  }
  if (newName.includes(".")) {
    return (
      `\`${newName}\`: rename does not make names with a dot (in a type, role or user name ` +
      "the part before the dot becomes its bounding parent, checkpolicy's hierarchy; in a " +
      "category a dot reads as a range)"
    );
  }
  if (RESERVED.has(newName))
    return (
      `\`${newName}\` is a keyword of the policy language (policy_scan.l): ` +
      `it cannot name a ${what}`
    );
  if (newName === "self" && namespace(kind).includes("type"))
    return "`self` names the source type in a rule's targets: it cannot name a type or attribute";
  if (m.tree) {
    if (M4_BUILTINS.has(newName)) return `\`${newName}\` is an m4 builtin: ${M4_EXPANDS}`;
    if (m.macros?.has(newName))
      return `\`${newName}\` is an m4 interface of the tree: ${M4_EXPANDS}`;
    const defined = m.tree.m4Params.flatMap((p, i, all) =>
      all[i - 1] === "-D" ? [p.split("=")[0]!] : [],
    );
    if (defined.includes(newName))
      return (
        `\`${newName}\` is defined for m4 (-D ${newName}) when the tree is built: ` +
        "m4 would expand it"
      );
  }
  if (newName === oldName) return undefined;
  if (taken(m, kind, newName)) {
    const taker = namespace(kind).length > 1 ? "type, attribute or alias" : what;
    return (
      `\`${newName}\` is already a ${taker} of the policy: ` +
      `renaming \`${oldName}\` to it would merge the two`
    );
  }
  return undefined;
}

/** The edits that rename `oldName`, a `kind` whose occurrences are `list`, to `newName`; or why
 *  not. A platform's generated attributes (P_hwdoms, ... svp.ts) named in rules follow it. */
export function planRename(
  m: Model,
  kind: NameKind,
  list: number[],
  oldName: string,
  newName: string,
): RenamePlan {
  const refused = refusal(kind, oldName) ?? newNameRefusal(m, kind, oldName, newName);
  if (refused) return { refused };
  const edits: RenameEdit[] = list.map((at) => ({ at, oldText: oldName, newText: newName }));
  if (kind === "platform") {
    const from = platformAttributes(oldName);
    const to = platformAttributes(newName);
    const own = new Set(Object.values(from));
    for (const key of Object.keys(from) as (keyof typeof from)[]) {
      // a name the platform makes now is free once it is renamed
      if (!own.has(to[key]) && taken(m, "attribute", to[key])) {
        return {
          refused:
            `platform \`${oldName}\` as \`${newName}\` would make attribute \`${to[key]}\` ` +
            "(svp.ts), already a type, attribute or alias of the policy",
        };
      }
      for (const at of occurrences(m.index!, from[key], "attribute"))
        edits.push({ at, oldText: from[key], newText: to[key] });
    }
  }
  return { edits };
}

/** The first error the renamed texts' analysis (`after`) has that the analysis before did not,
 *  its names mapped back (`renamed`: new name -> old), as `place: message`; undefined when none. A
 *  name a macro makes from the renamed one (`$1_channel`) changes with it, and a place that still
 *  spells the old derived name shows here as an unknown name. */
export function brokenBy(
  before: Model,
  after: Model,
  renamed: ReadonlyMap<string, string>,
  place: (uri: string, line: number) => string,
): string | undefined {
  const back = (message: string) =>
    message.replace(/[A-Za-z][A-Za-z0-9_.-]*/g, (w) => renamed.get(w) ?? w);
  const key = (uri: string, line: number, message: string) => `${uri}\n${line}\n${message}`;
  const had = new Map<string, number>();
  for (const [uri, list] of before.diagnostics) {
    for (const d of list)
      if (d.severity === 1)
        had.set(
          key(uri, d.range.start.line, d.message),
          (had.get(key(uri, d.range.start.line, d.message)) ?? 0) + 1,
        );
  }
  for (const [uri, list] of after.diagnostics) {
    for (const d of list) {
      if (d.severity !== 1) continue;
      const k = key(uri, d.range.start.line, back(d.message));
      const n = had.get(k) ?? 0;
      if (n === 0) return `${place(uri, d.range.start.line)}: ${d.message}`;
      had.set(k, n - 1);
    }
  }
  return undefined;
}
