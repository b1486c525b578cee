// `xsm search POLICY`: sesearch's TE rule queries with its option names; the lines printed are the
// ones sesearch prints for the binary checkpolicy builds from the same source. --origins adds the
// source rules behind each line; --effective answers "who may do what to whom" per type pair.
import type { Command } from "commander";
import { locationText } from "../analysis/load.js";
import type { SearchHit, SearchKind, SearchQuery } from "../analysis/search.js";
import { asCliErrors, commaList, loadAnalysis, oneName, policyInputOptions, singleDashLongOptions, type PolicyInputOptions } from "./analysis-input.js";
import { UsageError } from "./io.js";
import { keyedValue } from "./repeats.js";
import type { CliContext } from "./context.js";

interface SearchOptions extends PolicyInputOptions {
  A?: boolean;
  allow?: boolean;
  auditallow?: boolean;
  dontaudit?: boolean;
  neverallow?: boolean;
  type_trans?: boolean;
  type_change?: boolean;
  type_member?: boolean;
  range_trans?: boolean;
  role_allow?: boolean;
  role_trans?: boolean;
  source?: string;
  target?: string;
  class?: string[];
  perms?: string[];
  default?: string;
  bool?: string[];
  ds?: boolean;
  dt?: boolean;
  ep?: boolean;
  Sp?: boolean;
  eb?: boolean;
  rs?: boolean;
  rt?: boolean;
  rc?: boolean;
  rd?: boolean;
  rb?: boolean;
  origins?: boolean;
  effective?: boolean;
  scontext?: string;
  tcontext?: string;
  set?: Record<string, boolean>;
  json?: boolean;
}

const TWO_LETTER = ["ds", "dt", "ep", "Sp", "eb", "rs", "rt", "rc", "rd", "rb"];

/** NAME=VALUE, with 1/0 as check --bool and flask-set-bool take them. */
function parseBool(value: string, previous: Record<string, boolean> | undefined): Record<string, boolean> {
  const m = /^([^=\s]+)=(true|false|1|0)$/.exec(value);
  if (!m) throw new UsageError(`--set expects NAME=1, NAME=0, NAME=true or NAME=false, got '${value}'`);
  return keyedValue(previous, m[1]!, m[2] === "true" || m[2] === "1", value, (earlier) => new UsageError(`--set ${value}: --set ${earlier} was given before it: a boolean takes one value; give it once`));
}

function kindsOf(o: SearchOptions): SearchKind[] {
  const kinds: SearchKind[] = [];
  if (o.A || o.allow) kinds.push("allow");
  if (o.auditallow) kinds.push("auditallow");
  if (o.dontaudit) kinds.push("dontaudit");
  if (o.neverallow) kinds.push("neverallow");
  if (o.type_trans) kinds.push("type_transition");
  if (o.type_change) kinds.push("type_change");
  if (o.type_member) kinds.push("type_member");
  if (o.range_trans) kinds.push("range_transition");
  if (o.role_allow) kinds.push("role_allow");
  if (o.role_trans) kinds.push("role_transition");
  return kinds;
}

function queryOf(o: SearchOptions): SearchQuery {
  return {
    kinds: kindsOf(o),
    source: o.source,
    target: o.target,
    default: o.default,
    classes: o.class,
    perms: o.perms,
    bools: o.bool,
    sourceDirect: o.ds,
    targetDirect: o.dt,
    sourceRegex: o.rs,
    targetRegex: o.rt,
    classRegex: o.rc,
    defaultRegex: o.rd,
    boolRegex: o.rb,
    permsEqual: o.ep,
    permsSubset: o.Sp,
    boolsEqual: o.eb,
  };
}

function render(hits: SearchHit[], origins: boolean): string {
  let out = "";
  for (const h of hits) {
    out += `${h.rule}\n`;
    if (origins) for (const o of h.origins) out += `    ${locationText(o)}: ${o.text}\n`;
  }
  return out;
}

function contradictions(o: SearchOptions): void {
  const effective = !!o.effective;
  if (!effective && (o.scontext || o.tcontext || o.set)) throw new UsageError("--scontext, --tcontext and --set apply to --effective only");
  if (effective && kindsOf(o).length > 0) throw new UsageError("--effective lists granted permissions; it takes no rule type (-A, -T, ...)");
  if (effective && (o.ds || o.dt || o.rs || o.rt || o.rc || o.default || o.bool || o.origins)) {
    throw new UsageError("--effective takes -s, -t, -c, -p, --scontext, --tcontext and --set; not -ds/-dt/-r*/-D/-b/--origins");
  }
  if (o.ep && o.Sp) throw new UsageError("-ep (equal) and -Sp (subset) contradict");
  // the other commands' -D is an m4 definition; no type, role or range has an `=`
  if (o.default?.includes("=")) throw new UsageError(`-D is sesearch's default type (of -T rules; a new role, a range); for an m4 definition of a policy tree give --define ${o.default}`);
  // sesearch hands -p and -b to its TE query only: with role and range_transition rules alone
  // they would be ignored (an -p naming no permission of -c's class too)
  const kinds = kindsOf(o);
  if (kinds.length > 0 && kinds.every((k) => k === "role_allow" || k === "role_transition" || k === "range_transition")) {
    const te = [o.perms && "-p", o.bool && "-b", o.ep && "-ep", o.Sp && "-Sp", o.eb && "-eb", o.rb && "-rb"].filter(Boolean);
    const rules = kinds.includes("range_transition") ? (kinds.length > 1 ? "role and range_transition rules" : "range_transition rules") : "role allow and role_transition rules";
    if (te.length > 0) throw new UsageError(`${te.join(", ")} ${te.length > 1 ? "apply" : "applies"} to TE rules (-A, --auditallow, --dontaudit, -T ...); ${rules} have no permissions or booleans`);
  }
  if (o.source && o.scontext) throw new UsageError("-s and --scontext both name the source; give one");
  if (o.target && o.tcontext) throw new UsageError("-t and --tcontext both name the target; give one");
}

export function registerSearch(program: Command, cli: CliContext): void {
  const cmd = program
    .command("search")
    .description("search TE and RBAC rules as sesearch does (-A, -T, --role_allow, -s, -t ...), with --origins; or --effective access")
    .argument("<policy>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .option("-A", "allow rules")
    .option("--allow", "allow rules")
    .option("--auditallow", "auditallow rules")
    .option("--dontaudit", "dontaudit rules")
    .option("--neverallow", "neverallow rules (from source)")
    .option("-T, --type_trans", "type_transition rules")
    .option("--type_change", "type_change rules")
    .option("--type_member", "type_member rules")
    .option("--range_trans", "range_transition rules (MLS; -D takes a range)")
    .option("--role_allow", "role allow rules (-s/-t name roles)")
    .option("--role_trans", "role_transition rules (-s/-D name roles, -t a type or attribute)")
    .option("-s, --source <name>", "source type or attribute (a role for --role_allow/--role_trans)", oneName)
    .option("-t, --target <name>", "target type or attribute (or a role for --role_allow)", oneName)
    .option("-c, --class <classes>", "comma-separated classes (repeatable: the lists are joined)", commaList)
    .option("-p, --perms <perms>", "comma-separated permissions (repeatable: the lists are joined)", commaList)
    .option("-D, --default <type>", "default type of a type rule (the new role of a role_transition)", oneName)
    .option("-b, --bool <bools>", "comma-separated booleans of the conditional (repeatable: the lists are joined)", commaList)
    .option("--ds", "-ds: match the source key directly (no attribute expansion)")
    .option("--dt", "-dt: match the target key directly")
    .option("--ep", "-ep: permission set equals -p")
    .option("--Sp", "-Sp: permission set contains -p")
    .option("--eb", "-eb: the conditional's booleans equal -b")
    .option("--rs", "-rs: -s is a regular expression")
    .option("--rt", "-rt: -t is a regular expression")
    .option("--rc", "-rc: -c is a regular expression")
    .option("--rd", "-rd: -D is a regular expression")
    .option("--rb", "-rb: -b is a regular expression")
    .option("--origins", "under each rule, the source rules (file:line) it came from")
    .option("--effective", "per (source type, target type, class): the permissions granted")
    .option("--scontext <context>", "--effective: source context (constraints are evaluated)")
    .option("--tcontext <context>", "--effective: target context")
    .option("--set <name=value>", "--effective: a boolean's value (repeatable)", parseBool)
    .option("--json", "print JSON");
  policyInputOptions(cmd, { shortDefine: false }) // -D is sesearch's default type
    .action(async (path: string, o: SearchOptions) => {
      contradictions(o);
      if (!o.effective && kindsOf(o).length === 0) throw new UsageError("give a rule type (-A, --auditallow, --dontaudit, --neverallow, -T, --type_change, --type_member, --range_trans, --role_allow, --role_trans) or --effective");
      const ap = await loadAnalysis(path, path, o);
      if (o.effective) {
        const { effectiveAccess, renderEffective } = await import("../analysis/effective.js");
        const rows = asCliErrors(() => effectiveAccess(ap, { source: o.source, target: o.target, classes: o.class, perms: o.perms, scontext: o.scontext, tcontext: o.tcontext, booleans: o.set ?? {} }));
        cli.io.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : renderEffective(rows));
        return;
      }
      const { search } = await import("../analysis/search.js");
      const hits = asCliErrors(() => search(ap, queryOf(o)));
      cli.io.stdout.write(o.json ? `${JSON.stringify(hits, null, 2)}\n` : render(hits, !!o.origins));
    });
  singleDashLongOptions(cmd, TWO_LETTER);
}
