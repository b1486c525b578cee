// A policy source tree in xen.git's layout (tools/flask/policy) and the m4 command line Xen's
// tools/flask/policy/Makefile.common runs over it. Pure: reads the tree, runs nothing. The
// sections, their order and m4's flags are Makefile.common's, so the policy.conf m4 writes from
// them is byte-identical to the one `make -C tools/flask/policy` writes.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { mkflaskSids, type XenSidNumbering } from "../binary/initial-sids.js";
import { ALPHA_LINE, enabledModules, LOWERCASE_LINE, type ModulesConfReading } from "./modules-conf.js";

export interface TreeOptions {
  /** Xen's xen/xsm/flask/policy (security_classes, initial_sids, access_vectors). Default: where
   *  Makefile.common's FLASKDIR points from a xen.git checkout, DIR/../../../xen/xsm/flask/policy. */
  flaskDir?: string;
  /** CONFIG_MLS=y: `-D enable_mls` (checkpolicy then needs -M). */
  mls?: boolean;
  /** MLS_SENS / MLS_CATS (Makefile.common's defaults 16 and 256). */
  mlsSens?: number;
  mlsCats?: number;
  /** Extra m4 definitions (NAME or NAME=VALUE), after Makefile.common's own. */
  defines?: string[];
}

export interface PolicyTree {
  /** The tree's directory (absolute); m4 runs here so #line names read "modules/xen.te". */
  dir: string;
  /** Modules switched on in modules/modules.conf, in its order. */
  enabled: string[];
  /** The files handed to m4, relative to `dir`, in Makefile.common's POLICY_SECTIONS order. */
  sections: string[];
  /** m4's arguments before the sections: Makefile.common's M4PARAM. */
  m4Params: string[];
  /** The modules.conf that switches its modules on, relative to `dir` (modulesConfOf). */
  modulesConf: string;
  /** The initial SIDs of the Xen release the flask files belong to, in its numbering (mkflask.sh
   *  over their initial_sids, named as `sections` names it): what that Xen's hooks expect. */
  xenSids: XenSidNumbering;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A tree that cannot be built; the message names the file and what Makefile.common expects. */
export class TreeError extends Error {
  constructor(
    message: string,
    /** m4 itself is not installed (the tree may be fine): the studio still serves it, unbuilt. */
    readonly m4Missing = false,
    /** The tree, when it was read and m4 could not run over it. */
    readonly tree?: PolicyTree,
  ) {
    super(message);
    this.name = "TreeError";
  }

  /** The message with the paths under `dir` (the tree as readTree was given it) named from the
   *  tree, for a reader that names the tree already: a scenario at its JSON path, the studio whose
   *  rebuild reads a scratch copy of the tree. */
  fromTree(dir: string): string {
    const spellings = spellingsOf(dir);
    return this.message.replace(new RegExp(`^(?:${spellings}): `), "").replace(new RegExp(`(^|[\\s'"\`(])(?:${spellings})${escapeRegExp(sep)}`, "g"), "$1");
  }

  /** This error as reading the tree `dir` (as the user named it) would have worded it, for one
   *  raised reading a scratch copy of it at `copy`, made to build an editor's unsaved texts. */
  movedFrom(copy: string, dir: string): TreeError {
    const message = this.message.replace(new RegExp(`(^|[\\s'"\`(])(?:${spellingsOf(copy)})(?=${escapeRegExp(sep)}|:|$)`, "g"), (_, lead: string) => `${lead}${dir}`);
    return new TreeError(message, this.m4Missing, this.tree);
  }
}

/** A directory as messages spell it (absolute, or from the working directory) as one regex
 *  alternation, the longer spelling first, as either may end the other. */
function spellingsOf(dir: string): string {
  const full = resolve(dir);
  const here = relative(process.cwd(), full);
  return (here === "" ? [full] : [full, here]).sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
}

/** Makefile.common's FLASKDIR, relative to tools/flask/policy. */
export const XEN_FLASK_DIR = "../../../xen/xsm/flask/policy";

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/** The lines of modules.conf a tree's Makefile reads: Xen 4.3-4.5's one Makefile any starting
 *  with a letter (`[[:alpha:]]`, C locale), 4.6-4.7's and Makefile.common's (4.8 on) one starting
 *  with a lowercase letter. */
export function moduleLines(treeDir: string): RegExp {
  const makefile = join(treeDir, "Makefile");
  return isFile(makefile) && readFileSync(makefile, "utf8").includes("[[:alpha:]]") ? ALPHA_LINE : LOWERCASE_LINE;
}

/** How the tree's Makefile reads its modules.conf (lint's modules-conf findings): the lines it
 *  reads, in pattern and in words, whether it finds a module's file whatever its case (4.3-4.7's
 *  `find -iname`), and the module files there are to switch. */
export function modulesConfReading(tree: Pick<PolicyTree, "dir" | "modulesConf">): ModulesConfReading {
  const caseBlind = tree.modulesConf === MODULES_CONF_BEFORE_48;
  const reads = caseBlind ? moduleLines(tree.dir) : LOWERCASE_LINE;
  const readsWhat = reads === ALPHA_LINE ? "lines starting with a letter" : "lines starting with a lowercase letter";
  const modules = moduleFiles(tree)
    .filter((f) => f.endsWith(".te"))
    .map((f) => ({ name: basename(f, ".te"), file: f }));
  return { file: tree.modulesConf, reads, readsWhat, caseBlind, modules };
}

/** The modules.conf that switches the module file at `path` on or off: DIR/modules/modules.conf
 *  for DIR/modules/NAME.te, .if or .cons (4.8 on), DIR/policy/modules.conf for
 *  DIR/policy/modules/LAYER/NAME.te or .if (4.3-4.7, whose Makefile finds NAME case-blind: `find
 *  -iname`). Undefined for any other file. */
export function moduleSwitchOf(path: string): { conf: string; caseBlind: boolean } | undefined {
  const full = resolve(path);
  const dir = dirname(full);
  const ext = extname(full);
  if (basename(dir) === "modules" && [".te", ".if", ".cons"].includes(ext)) return { conf: join(dir, "modules.conf"), caseBlind: false };
  const policy = dirname(dirname(dir));
  if (basename(dirname(dir)) === "modules" && basename(policy) === "policy" && [".te", ".if"].includes(ext)) return { conf: join(policy, "modules.conf"), caseBlind: true };
  return undefined;
}

/** The module a tree's file belongs to when the build never reads the file: a module file
 *  (moduleSwitchOf) whose modules.conf does not switch NAME on (off, or not listed: the Makefile
 *  hands m4 only the modules switched on). `modulesConf` is that file's text when the caller holds
 *  it (an editor's buffer); else it is read from disk. Undefined for any other file, or when there
 *  is no modules.conf to tell. */
export function moduleOff(path: string, modulesConf?: string): string | undefined {
  const where = moduleSwitchOf(path);
  if (where === undefined) return undefined;
  let conf = modulesConf;
  if (conf === undefined) {
    try {
      conf = readFileSync(where.conf, "utf8");
    } catch {
      return undefined;
    }
  }
  const name = basename(path, extname(path));
  const fold = (n: string) => (where.caseBlind ? n.toLowerCase() : n);
  // (4.3-4.7's modules.conf is DIR/policy/modules.conf, beside DIR/Makefile)
  const lines = where.caseBlind ? moduleLines(dirname(dirname(where.conf))) : LOWERCASE_LINE;
  return enabledModules(conf, lines).some((m) => fold(m) === fold(name)) ? undefined : name;
}

/** Where `dir`'s modules.conf is, relative to it: modules/modules.conf (Makefile.common, Xen 4.8
 *  on), else policy/modules.conf (the one Makefile of Xen 4.3-4.7); undefined when `dir` is a tree
 *  of neither layout. The one test of "is a policy tree" for build, the analysis commands, the
 *  language server and the studio. */
export function modulesConfOf(dir: string): string | undefined {
  return [MODULES_CONF, MODULES_CONF_BEFORE_48].find((conf) => isFile(join(dir, conf)));
}

const MODULES_CONF = "modules/modules.conf";
const MODULES_CONF_BEFORE_48 = "policy/modules.conf";

/** The policy tree a file belongs to: the nearest directory above it that is one (modulesConfOf),
 *  as far up as a module of either layout sits (modules/NAME.te, policy/modules/LAYER/NAME.te). */
export function treeRootOf(path: string): string | undefined {
  let dir = dirname(resolve(path));
  for (let i = 0; i < 4; i++) {
    if (modulesConfOf(dir) !== undefined) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Every module file of the tree, on or off, relative to it and sorted: modules/*.te, .if and
 *  .cons (4.8 on), or policy/modules/LAYER/*.te and .if (4.3-4.7). */
export function moduleFiles(tree: Pick<PolicyTree, "dir" | "modulesConf">): string[] {
  const isModule = (name: string) => /\.(te|if|cons)$/.test(name);
  const list = (rel: string) => (statSync(join(tree.dir, rel), { throwIfNoEntry: false })?.isDirectory() ? readdirSync(join(tree.dir, rel)).filter((n) => isModule(n) && isFile(join(tree.dir, rel, n))).map((n) => `${rel}/${n}`) : []);
  const files = tree.modulesConf === MODULES_CONF ? list("modules") : (existsSync(join(tree.dir, "policy/modules")) ? readdirSync(join(tree.dir, "policy/modules")) : []).flatMap((layer) => list(`policy/modules/${layer}`));
  return files.sort(byteOrder);
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every file a build of the tree at `dir` may read, as far as it is there, relative to `dir`
 *  (Xen's flask files by their place from it): the flask files (found as readTree finds them), the
 *  policy/ files of either Makefile, the support macros, modules.conf, every module's files, on or
 *  off (an edit of modules.conf may switch one on), and 4.3-4.7's Makefile (which says whether
 *  device_contexts is a section). Unlike readTree it refuses nothing: a tree it would refuse lists
 *  the files there are, for an editor to fix. */
export function treeFiles(dirArg: string, flaskDir?: string): string[] {
  const dir = resolve(dirArg);
  const modulesConf = modulesConfOf(dir) ?? MODULES_CONF;
  const flask = foundFlaskDir(dir, flaskDir);
  const flaskFiles = flask === undefined ? [] : flaskSectionsIn(dir, flask);
  const policy = ["security_classes", "access_vectors", "mls", "global_tunables", "users", "constraints", "initial_sids", "device_contexts"].map((n) => `policy/${n}`);
  const old = modulesConf === MODULES_CONF_BEFORE_48 ? ["Makefile"] : [];
  const found = [...policy, ...old, modulesConf].filter((n) => isFile(join(dir, n)));
  return [...new Set([...flaskFiles, ...supportFiles(dir), ...found, ...moduleFiles({ dir, modulesConf })])];
}

/** Path of `target` as m4 is given it from `dir`: relative, with '/' separators. */
function fromDir(dir: string, target: string): string {
  return relative(dir, target).split(sep).join("/");
}

/** Makefile.common's $(wildcard $(POLDIR)/support/*.spt): sorted byte-wise, as GNU make 4.3 sorts
 *  wildcard results. */
function supportFiles(dir: string): string[] {
  const support = join(dir, "policy", "support");
  if (!existsSync(support) || !statSync(support).isDirectory()) return [];
  return readdirSync(support)
    .filter((name) => name.endsWith(".spt") && isFile(join(support, name)))
    .sort(byteOrder)
    .map((name) => `policy/support/${name}`);
}

/** What is wrong with a --flask-dir (relative to the working directory), in the words every
 *  command says it: xsm build and the tree readers when they build, the servers (xsm lsp, studio)
 *  at start, before an editor or page sees every tree fail. Undefined when it holds
 *  security_classes. */
export function flaskDirProblem(given: string): string | undefined {
  const flask = resolve(given);
  if (isFile(join(flask, "security_classes"))) return undefined;
  // a missing directory is not a directory without the file
  const why = !existsSync(flask) ? "no such directory" : !statSync(flask).isDirectory() ? "not a directory" : "no security_classes in it";
  return `--flask-dir ${given}: ${why}; it names Xen's xen/xsm/flask/policy directory`;
}

/** Where Xen's flask files are for the tree at `dir`, looked for in readTree's order (the
 *  directory given, Makefile.common's place in a xen.git checkout, the tree's own `flask/`), or
 *  undefined: for readers that list a tree readTree would refuse, so they refuse nothing. */
export function foundFlaskDir(dir: string, given?: string): string | undefined {
  const places = [...(given !== undefined ? [resolve(given)] : []), resolve(dir, XEN_FLASK_DIR), resolve(dir, "flask")];
  return places.find((f) => isFile(join(f, "security_classes")));
}

/** Xen's flask files found in `flask`, in the order of the sections they open, as m4 is given
 *  them from `dir`. */
export function flaskSectionsIn(dir: string, flask: string): string[] {
  return ["security_classes", "initial_sids", "access_vectors"].map((n) => join(flask, n)).filter(isFile).map((p) => fromDir(dir, p));
}

/** Finds Xen's flask policy directory as Makefile.common does (from a xen.git checkout's
 *  tools/flask/policy), else the tree's own `flask/` (a tree kept outside xen.git with Xen's class
 *  files beside it, as examples/xen-flask is; the language server looks there too), or takes the
 *  one given. */
function flaskDirOf(dir: string, given: string | undefined): string {
  if (given !== undefined) {
    const problem = flaskDirProblem(given);
    if (problem !== undefined) throw new TreeError(problem);
    return resolve(given);
  }
  const found = foundFlaskDir(dir);
  if (found !== undefined) return found;
  throw new TreeError(
    `cannot find Xen's flask policy: neither ${join(dir, XEN_FLASK_DIR)}/security_classes ` +
      `(where Makefile.common looks from a xen.git checkout's tools/flask/policy) nor ${join(dir, "flask")}/security_classes exists; pass --flask-dir DIR`,
  );
}

/** Reads the tree at `dir` and lists what Makefile.common would hand m4, in its order:
 *  classes, initial SID declarations, access vectors (Xen's, then the tree's own), support macros,
 *  mls, the enabled modules' interfaces, global tunables, the modules, users, the modules'
 *  constraints, initial SID contexts, device contexts. */
export function readTree(dirArg: string, options: TreeOptions = {}): PolicyTree {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new TreeError(`${dirArg}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new TreeError(`${dirArg}: not a directory (a policy tree is a directory with modules/modules.conf; for one policy.conf, use xsm compile)`);
  const confName = modulesConfOf(dir);
  const modulesConf = join(dir, confName ?? MODULES_CONF);
  const before48 = confName === MODULES_CONF_BEFORE_48;
  if (confName === undefined) {
    throw new TreeError(`${dirArg}: no modules/modules.conf (nor policy/modules.conf, as before Xen 4.8); a policy tree is laid out like xen.git's tools/flask/policy`);
  }
  const flask = flaskDirOf(dir, options.flaskDir);
  const flaskFile = (name: string): string => {
    const path = join(flask, name);
    if (!isFile(path)) throw new TreeError(`${fromDir(process.cwd(), path)}: missing (Xen's flask policy directory has ${name})`);
    return fromDir(dir, path);
  };
  // Makefile.common lists the tree's own classes and vectors unconditionally; a tree without them
  // (as older ones are) is built without them rather than refused
  const local = (path: string): string[] => (isFile(join(dir, path)) ? [path] : []);
  const required = (path: string, why: string): string => {
    if (!isFile(join(dir, path))) throw new TreeError(`${fromDir(process.cwd(), join(dir, path))}: missing (${why})`);
    return path;
  };

  // both Makefiles (4.8+'s Makefile.common, 4.3-4.7's Makefile) open alike: classes (Xen's, the
  // tree's), initial SID declarations, access vectors (Xen's, the tree's), support macros
  const head = [
    flaskFile("security_classes"),
    ...local("policy/security_classes"),
    flaskFile("initial_sids"),
    flaskFile("access_vectors"),
    ...local("policy/access_vectors"),
    ...supportFiles(dir),
  ];
  const xenSids = mkflaskSids(readFileSync(join(flask, "initial_sids"), "utf8"), flaskFile("initial_sids"));
  if (before48) return { dir, ...sectionsBefore48(dir, head, required), m4Params: m4ParamsOf(options), xenSids, modulesConf: confName };
  const enabled = enabledModules(readFileSync(modulesConf, "utf8"));
  const modules = enabled.map((m) => required(`modules/${m}.te`, `module ${m} is on in modules/modules.conf; a module must have a .te file`));
  const sections = [
    ...head,
    required("policy/mls", "Makefile.common's MLSSUPPORT"),
    ...enabled.flatMap((m) => local(`modules/${m}.if`)),
    required("policy/global_tunables", "Makefile.common's GLOBALTUN"),
    ...modules,
    required("policy/users", "Makefile.common's USERS"),
    ...enabled.flatMap((m) => local(`modules/${m}.cons`)),
    required("policy/initial_sids", "Makefile.common's ISID_DEFS"),
    required("policy/device_contexts", "Makefile.common's DEV_OCONS"),
  ];

  return { dir, enabled, sections, m4Params: m4ParamsOf(options), xenSids, modulesConf: confName };
}

/** M4PARAM, the same in Makefile.common and the Makefile before it. */
function m4ParamsOf(options: TreeOptions): string[] {
  const m4Params = ["-D", "self_contained_policy", "-s"];
  if (options.mls) m4Params.push("-D", "enable_mls");
  m4Params.push("-D", `mls_num_sens=${options.mlsSens ?? 16}`, "-D", `mls_num_cats=${options.mlsCats ?? 256}`);
  for (const d of options.defines ?? []) m4Params.push("-D", d);
  return m4Params;
}

/** Xen 4.3-4.7's tools/flask/policy/Makefile: modules under policy/modules/LAYER/, the ones
 *  policy/modules.conf switches on (its ENABLED_MODS, found by `find -iname NAME.te`) in the
 *  sorted order of every layer's .te files (DETECTED_MODS), each with its .if; one
 *  policy/constraints; policy/device_contexts from 4.6, where the Makefile gains DEV_OCONS. */
function sectionsBefore48(dir: string, head: string[], required: (path: string, why: string) => string): { enabled: string[]; sections: string[] } {
  const on = enabledModules(readFileSync(join(dir, "policy", "modules.conf"), "utf8"), moduleLines(dir)).map((m) => m.toLowerCase());
  const layers = join(dir, "policy", "modules");
  const detected = (existsSync(layers) ? readdirSync(layers) : [])
    .filter((layer) => layer !== "CVS" && statSync(join(layers, layer)).isDirectory())
    .flatMap((layer) => readdirSync(join(layers, layer)).filter((f) => f.endsWith(".te") && isFile(join(layers, layer, f))).map((f) => `policy/modules/${layer}/${f}`))
    .sort(byteOrder);
  const modules = detected.filter((m) => on.includes(basename(m, ".te").toLowerCase()));
  const makefile = join(dir, "Makefile");
  const devOcons = isFile(makefile) && readFileSync(makefile, "utf8").includes("DEV_OCONS");
  const sections = [
    ...head,
    required("policy/mls", "the Makefile's MLSSUPPORT"),
    ...modules.map((m) => required(m.replace(/\.te$/, ".if"), `the Makefile's ALL_INTERFACES: module ${basename(m, ".te")} is on in policy/modules.conf`)),
    required("policy/global_tunables", "the Makefile's GLOBALTUN"),
    ...modules,
    required("policy/users", "the Makefile's USERS"),
    required("policy/constraints", "the Makefile's CONSTRAINTS"),
    required("policy/initial_sids", "the Makefile's ISID_DEFS"),
    ...(devOcons ? [required("policy/device_contexts", "the Makefile's DEV_OCONS")] : []),
  ];
  return { enabled: modules.map((m) => basename(m, ".te")), sections };
}
