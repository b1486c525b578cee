// Shared by scripts/gen-analysis-fixtures.ts and the live analysis oracle tests: running the
// reference tools (sesearch, seinfo, sediff, audit2why, audit2allow) on the binary checkpolicy
// builds, and the deterministic queries asked of each policy.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnalysisPolicy } from "../../src/analysis/load.js";
import { prng } from "./mls-policy.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { maxBuffer: 1 << 30, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface Job {
  tool: "sesearch" | "seinfo" | "sediff" | "audit2allow" | "audit2why" | "xen-ocontexts" | "seinfoflow";
  args: string[];
  stdin?: string;
}

/** Runs the reference tools' own scripts, many jobs in one Python process (scripts/oracle-batch.py). */
export async function batch(jobs: Job[]): Promise<Run[]> {
  const script = join(repoRoot, "scripts/oracle-batch.py");
  const r = await run("/usr/bin/python3", [script], JSON.stringify(jobs.map((j) => [j.tool, j.args, j.stdin ?? null])));
  if (r.code !== 0) throw new Error(`oracle-batch failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { code: number; stdout: string }[]).map((x) => ({ code: x.code, stdout: x.stdout, stderr: "" }));
}

/** checkpolicy -t Xen -c 30 on a policy.conf text; the binary's path. */
export async function buildBinary(conf: string, name = "policy"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "xsm-analysis-"));
  const src = join(dir, `${name}.conf`);
  const bin = join(dir, `${name}.bin`);
  writeFileSync(src, conf);
  const r = await run("checkpolicy", ["-t", "Xen", "-c", "30", src, "-o", bin]);
  if (r.code !== 0) throw new Error(`checkpolicy failed on ${name}: ${r.stdout}${r.stderr}`);
  return bin;
}

/** Our search options -> sesearch's (-ds for --ds, ...). */
export function sesearchArgs(args: string[]): string[] {
  return args.map((a) => (/^--(ds|dt|ep|Sp|eb|rs|rt|rc|rd|rb)$/.test(a) ? a.slice(1) : a));
}

const ALL_KINDS = ["-A", "--auditallow", "--dontaudit", "-T", "--type_change", "--type_member"];

/** Queries for one policy, picked from its own names by `seed` (the same policy and seed give the
 *  same queries): every rule kind, each filter alone, direct and regex matching, sets and equality. */
export function searchCases(ap: AnalysisPolicy, seed: number): string[][] {
  const sym = ap.sym;
  const pick = <T>(xs: readonly T[], k: number): T | undefined => (xs.length ? xs[(seed * 7 + k * 13) % xs.length] : undefined);
  const types = sym.types.map((t) => t.name);
  const attrs = sym.attrs.map((a) => a.name);
  const classes = sym.classes.filter((c) => c.perms.length > 0);
  const cls = pick(classes, 1);
  const cases: string[][] = [ALL_KINDS, ["--allow"], ["--dontaudit", "--auditallow"], ["-T"]];
  const type = pick(types, 2);
  const attr = pick(attrs, 3);
  if (type) cases.push(["-A", "-s", type], ["-A", "-t", type], ["-A", "-s", type, "--ds"], [...ALL_KINDS, "-t", type, "--dt"], ["-T", "-D", type]);
  if (attr) cases.push(["-A", "-s", attr], ["-A", "-s", attr, "--ds"], ["-A", "-t", attr, "--dt"], ["--dontaudit", "-t", attr]);
  if (cls) {
    const perms = [pick(cls.perms, 4)!, pick(cls.perms, 5)!];
    cases.push(["-A", "-c", cls.name], ["-A", "-c", cls.name, "-p", perms.join(",")], ["-A", "-p", perms[0]!, "--ep"], ["-A", "-c", cls.name, "-p", perms.join(","), "--ep"]);
    if (type) cases.push(["-A", "-s", type, "-c", cls.name, "-p", perms[0]!]);
  }
  const bools = sym.bools.map((b) => b.name);
  const b = pick(bools, 6);
  if (b) cases.push(["-A", "-b", b], [...ALL_KINDS, "-b", b, "--eb"], ["-A", "-b", "^b[0-9]$", "--rb"]);
  cases.push(["-A", "-s", "^d[0-9]_t$", "--rs"], ["-A", "-t", "_t$", "--rt", "--dt"], ["-A", "-c", "^(domain|resource)$", "--rc"]);
  return cases;
}

/** seinfo queries for one policy (without the policy argument): the statistics block, every
 *  listing plain and expanded, and one named type, attribute, class and role. */
export function infoCases(ap: AnalysisPolicy, seed: number): string[][] {
  const sym = ap.sym;
  const pick = <T>(xs: readonly T[], k: number): T | undefined => (xs.length ? xs[(seed * 5 + k * 11) % xs.length] : undefined);
  const cases: string[][] = [[]];
  for (const o of ["-t", "-a", "-c", "-b", "-u", "-r"]) cases.push([o], [o, "-x"]);
  const t = pick(sym.types, 1);
  const a = pick(sym.attrs, 2);
  const c = pick(sym.classes, 3);
  const r = pick(sym.roles, 4);
  if (t) cases.push(["-t", t.name, "-x"]);
  if (a) cases.push(["-a", a.name, "-x"]);
  if (c) cases.push(["-c", c.name, "-x"]);
  if (r) cases.push(["-r", r.name, "-x"]);
  return cases;
}

/** setools' query class for each Xen ocontext listing of xsm info. */
export const XEN_OCONTEXTS: Record<string, string> = {
  "--pcidevicecon": "PcideviceconQuery",
  "--iomemcon": "IomemconQuery",
  "--ioportcon": "IoportconQuery",
  "--pirqcon": "PirqconQuery",
  "--devicetreecon": "DevicetreeconQuery",
};

/** A Xen log for one policy, picked by `seed`: avc lines over valid contexts (denied and granted,
 *  with and without the "(XEN)" prefix and a timestamp), lines from conditional rules' branches
 *  (boolean causes), other lines, and a few lines that name what the policy lacks. */
export function avcLog(ap: AnalysisPolicy, seed: number, count = 40, roleLines = Math.max(4, count >> 3)): string {
  const sym = ap.sym;
  let state = seed * 2654435761 >>> 0;
  const rnd = (n: number): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return n > 0 ? state % n : 0;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const subjects: string[] = [];
  for (const u of sym.users) for (const r of u.roles) for (const t of sym.roles[r]!.types) subjects.push(`${u.name}:${sym.roles[r]!.name}:${sym.types[t]!.name}`);
  const objects = [...subjects, ...sym.users.flatMap((u) => sym.types.map((t) => `${u.name}:object_r:${t.name}`))];
  const classes = sym.classes.filter((c) => c.perms.length > 0);
  const lines: string[] = [];
  const line = (verb: string, perms: string[], s: string, t: string, c: string): string => {
    const prefix = pick(["(XEN) ", "", `(XEN) [  ${rnd(900)}.${String(rnd(1000)).padStart(3, "0")}] `]);
    return `${prefix}avc:  ${verb}  { ${perms.join(" ")} } for domid=${rnd(8)} scontext=${s} tcontext=${t} tclass=${c}`;
  };
  const condRules = ap.terules.filter((r) => r.cond && r.kind === "allow" && r.perms !== 0);
  for (let i = 0; i < count && subjects.length > 0; i++) {
    const roll = rnd(10);
    if (roll === 0) {
      lines.push(pick(["(XEN) Xen version 4.19", "(XEN) d1: PCI device 0000:03:00.0 assigned", "some other line"]));
      continue;
    }
    if (roll <= 3 && condRules.length > 0) {
      // a permission a conditional branch grants: the cause may be a boolean
      const r = pick(condRules);
      const cls = sym.classes[r.tclass]!;
      const perms = cls.perms.filter((_, b) => (r.perms >>> b) & 1);
      const st = Array.from(r.source < sym.types.length ? [r.source] : sym.attrs[r.source - sym.types.length]!.members);
      const tt = Array.from(r.target < sym.types.length ? [r.target] : sym.attrs[r.target - sym.types.length]!.members);
      const ss = subjects.filter((s) => st.some((t) => s.endsWith(`:${sym.types[t]!.name}`)));
      const ts = objects.filter((s) => tt.some((t) => s.endsWith(`:${sym.types[t]!.name}`)));
      if (ss.length && ts.length && perms.length) {
        lines.push(line("denied", [pick(perms)], pick(ss), pick(ts), cls.name));
        continue;
      }
    }
    const cls = pick(classes);
    const perms = [...new Set([pick(cls.perms), ...(rnd(3) === 0 ? [pick(cls.perms)] : [])])];
    lines.push(line(rnd(12) === 0 ? "granted" : "denied", perms, pick(subjects), pick(objects), cls.name));
  }
  // domain transitions between roles (audit2why's role cause), on policies whose class domain has them
  lines.push(...roleAvcLines(ap, seed, roleLines));
  // a repeated line (merged by audit2allow) and lines naming what the policy lacks
  if (lines.length > 2) lines.push(lines[1]!);
  const s0 = subjects[0] ?? "u:r:t";
  lines.push(line("denied", ["nosuchperm"], s0, s0, classes[0]?.name ?? "x"));
  lines.push(line("denied", [classes[0]?.perms[0] ?? "x"], s0.replace(/[^:]*$/, "nosuch_t"), s0, classes[0]?.name ?? "x"));
  return `${lines.join("\n")}\n`;
}

/** A variant of a policy for diffs: every `step`-th allow rule dropped, the first boolean's default
 *  flipped (the policy still compiles). */
export function mutatePolicy(text: string, step = 7): string {
  let n = 0;
  let flipped = false;
  const once = new Set<string>();
  const first = (what: string) => !once.has(what) && once.add(what) !== undefined;
  return text
    .split("\n")
    // unindented rules only: an `if` left empty would change which expression names its node
    .filter((l) => !(/^allow\s/.test(l) && /:/.test(l) && n++ % step === 0))
    // the first pirqcon goes: a removed Xen ocontext
    .filter((l) => !(/^pirqcon\s/.test(l) && first("pirqcon")))
    .flatMap((l) => {
      const b = /^(\s*bool\s+\S+\s+)(true|false)(\s*;.*)$/.exec(l);
      if (b && !flipped) {
        flipped = true;
        return [`${b[1]}${b[2] === "true" ? "false" : "true"}${b[3]}`];
      }
      // a role loses a type and gains a role allow rule; a user gains a role
      const role = /^(role vm_r types \{ )(\S+ )(.*)$/.exec(l);
      if (role && first("role")) return [`${role[1]}${role[3]}`, "allow system_r vm_r;"];
      if (/^user vm_u roles \{ vm_r \};$/.test(l)) return ["user vm_u roles { vm_r system_r };"];
      // a constraint changes (an added and a removed one, for sediff)
      const con = /^(constrain .*)\);$/.exec(l);
      if (con && first("constrain")) return [`${con[1]} or t1 == xen_t );`];
      // an initial SID and a pcidevicecon are relabeled
      if (/^sid device system_u:object_r:device_t$/.test(l)) return ["sid device system_u:object_r:unlabeled_t"];
      const pci = /^(pcidevicecon \S+ )system_u:object_r:(\S+)$/.exec(l);
      if (pci && first("pcidevicecon")) return [`${pci[1]}system_u:object_r:unlabeled_t`];
      return [l];
    })
    .join("\n");
}

/** sediff's sections that xsm diff reports (all of them at once: without section options sediff
 *  also reads Xen's ocontexts as SELinux ones and reports nodecons). */
export const SEDIFF_SECTIONS = ["--common", "-c", "-b", "-r", "-t", "-a", "-u", "--allow", "--auditallow", "--dontaudit", "-T", "--type_change", "--type_member", "--role_allow", "--constrain", "--initialsid"];

/** sediff's "Modified" rule lines list permissions in set order: compare them as sorted tokens.
 *  So do its constraints (permissions and name sets), which it then sorts by that text: sort their
 *  braces' contents, then the lines of each list. */
export function normalizeModified(report: string): string {
  const lines = report.split("\n").map((l) => {
    const m = /^( {6}\* \S+ \S+ \S+ \{ )(.*)( \};.*)$/.exec(l);
    if (m) return `${m[1]}${m[2]!.split(" ").sort().join(" ")}${m[3]}`;
    if (/^ {6}[+-] constrain /.test(l)) return l.replace(/\{ ([^{}]*) \}/g, (_, body: string) => `{ ${body.split(" ").sort().join(" ")} }`);
    return l;
  });
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j < lines.length && /^ {6}[+-] constrain /.test(lines[j]!)) j++;
    if (j > i + 1) lines.splice(i, j - i, ...lines.slice(i, j).sort());
    i = j;
  }
  return lines.join("\n");
}

/** What of xsm diff's report sediff also prints: the Xen ocontext sections left out (sediff reads
 *  Xen's ocontexts as SELinux ones), initial SIDs without their names (setools names Xen's SIDs
 *  from SELinux's table). */
export function sediffComparable(report: string, fromSediff: boolean): string {
  let text = report;
  if (!fromSediff) text = text.replace(/^(Pirqcons|Ioportcons|Iomemcons|Pcidevicecons|Devicetreecons) \(.*\n(?:.+\n)*\n/gm, "");
  return normalizeModified(
    text
      .replace(/^( {6}[+-] sid )\S+/gm, "$1?")
      .replace(/^( {6}\* )\S+( \+\[)/gm, "$1?$2"),
  );
}

/** avc lines for domain `transition` / `dyntransition` that the policy's allow rules grant (in
 *  either branch of a conditional), between subject contexts whose roles differ or not, some pairs
 *  joined by a `role allow`, most not: audit2why's role cause ("Missing role allow rule."), alone or
 *  with another permission of the rule (TE, constraint, boolean causes first). None when the class
 *  `domain` has neither permission (gen-policy's classes). */
export function roleAvcLines(ap: AnalysisPolicy, seed: number, count: number): string[] {
  const sym = ap.sym;
  const domain = sym.classes.find((c) => c.name === "domain");
  const trans = domain ? ["transition", "dyntransition"].filter((p) => domain.permMask.has(p)) : [];
  if (!domain || trans.length === 0) return [];
  let state = (seed * 40503 + 17) >>> 0;
  const rnd = (n: number): number => {
    state = (Math.imul(state ^ (state >>> 13), 0x5bd1e995) + 0x3c6ef372) >>> 0;
    return n > 0 ? state % n : 0;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const members = (id: number): number[] => (id < sym.types.length ? [id] : Array.from(sym.attrs[id - sym.types.length]!.members));
  const contexts = (types: number[]): string[] =>
    sym.users.flatMap((u) => Array.from(u.roles).flatMap((r) => Array.from(sym.roles[r]!.types).filter((t) => types.includes(t)).map((t) => `${u.name}:${sym.roles[r]!.name}:${sym.types[t]!.name}`)));
  const transBits = trans.reduce((m, p) => m | domain.permMask.get(p)!, 0);
  const rules = ap.terules.filter((r) => r.kind === "allow" && r.tclass === domain.id && (r.perms & transBits) !== 0);
  const lines: string[] = [];
  for (let i = 0; i < count * 4 && lines.length < count && rules.length > 0; i++) {
    const r = pick(rules);
    const ss = contexts(members(r.source));
    const ts = contexts(members(r.target));
    if (ss.length === 0 || ts.length === 0) continue;
    const s = pick(ss);
    // mostly a target of another role: the pairs a role allow may miss
    const other = ts.filter((t) => t.split(":")[1] !== s.split(":")[1]);
    const t = other.length > 0 && rnd(4) !== 0 ? pick(other) : pick(ts);
    const granted = domain.perms.filter((p, b) => (r.perms >>> b) & 1 && !trans.includes(p));
    const perms = [pick(trans.filter((p) => (r.perms & domain.permMask.get(p)!) !== 0)), ...(granted.length > 0 && rnd(3) === 0 ? [pick(granted)] : [])];
    if (rnd(5) === 0) perms.push(pick(domain.perms));
    lines.push(`(XEN) avc:  ${rnd(10) === 0 ? "granted" : "denied"}  { ${[...new Set(perms)].join(" ")} } for domid=${rnd(8)} scontext=${s} tcontext=${t} tclass=domain`);
  }
  return lines;
}

/** Policies for the role cause (test/fixtures/analysis/why-role/): one without any role allow, one
 *  with a role allow one way, constraints, conditional transitions, a dontaudit and a permissive
 *  type, so one log mixes the role cause with the TE, boolean, dontaudit and constraint ones. */
export const ROLE_WHY_POLICIES = ["test/fixtures/analysis/why-role/no-role-allow.conf", "test/fixtures/analysis/why-role/mixed.conf"];

/** A log of role-cause lines only: every line a domain transition the TE rules grant between two
 *  roles no role allow pairs (audit2why: "Missing role allow rule." for each). */
export function roleOnlyLog(ap: AnalysisPolicy, seed: number): string {
  const sym = ap.sym;
  const paired = new Set(ap.roleAllows.map(([a, b]) => `${sym.roles[a]!.name} ${sym.roles[b]!.name}`));
  const lines = roleAvcLines(ap, seed, 40).filter((l) => {
    const m = /scontext=[^:]+:([^:]+):\S+ tcontext=[^:]+:([^:]+):\S+/.exec(l)!;
    return m[1] !== m[2] && !paired.has(`${m[1]} ${m[2]}`) && /\{ \S+ \}/.test(l);
  });
  return `${lines.join("\n")}\n`;
}

/** avcLog for an MLS policy: each context given a level or a range over the policy's sensitivities
 *  and categories (some outside a user's range: audit2why drops those, xsm reports them). */
export function mlsAvcLog(ap: AnalysisPolicy, seed: number, count = 60): string {
  const mls = ap.sym.mls;
  if (!mls) throw new Error(`${ap.file} is not MLS`);
  let state = (seed * 69069 + 1) >>> 0;
  const rnd = (n: number): number => {
    state = (Math.imul(state ^ (state >>> 16), 0x45d9f3b) + 0x9e3779b9) >>> 0;
    return n > 0 ? state % n : 0;
  };
  const level = (): string => {
    const cats = mls.cats.filter(() => rnd(10) < 3).map((c) => c.name);
    return `${mls.sens[rnd(mls.sens.length)]!.name}${cats.length ? `:${cats.join(",")}` : ""}`;
  };
  const range = (): string => (rnd(2) === 0 ? level() : `${mls.sens[0]!.name}-${level()}`);
  return avcLog(ap, seed, count).replace(/(scontext|tcontext)=(\S+)/g, (_, k: string, c: string) => `${k}=${c}:${range()}`);
}

/** A variant of a policy for sediff: 1-4 edits picked by `seed` among roles (a type dropped, a role
 *  added, a role allow added or dropped, a role_transition added), users (roles changed, one
 *  added), booleans (a default flipped, one added), constraints (dropped, added, an operator
 *  negated), a permissive type, an initial SID or ocontext relabeled, a type losing an attribute,
 *  default_* rules and policy capabilities added or dropped.
 *  The result may not compile (a dropped role a user names...): callers skip what checkpolicy
 *  refuses. */
export function mutateRbac(text: string, seed: number): string {
  const rnd = prng(seed * 97 + 3);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let lines = text.split("\n");
  const types = lines.map((l) => /^type (\w+)[,;]/.exec(l)?.[1]).filter(Boolean) as string[];
  const roles = [...new Set(lines.map((l) => /^role (\w+)/.exec(l)?.[1]).filter(Boolean) as string[])];
  const users = lines.map((l) => /^user (\w+)/.exec(l)?.[1]).filter(Boolean) as string[];
  const classes = [...new Set(lines.map((l) => /^class (\w+) /.exec(l)?.[1]).filter(Boolean) as string[])];
  const idx = (re: RegExp) => lines.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0);
  const insertBefore = (re: RegExp, add: string) => { const i = lines.findIndex((l) => re.test(l)); if (i >= 0) lines.splice(i, 0, add); };
  const muts: (() => void)[] = [
    () => { const i = pick(idx(/^role \w+ types \{/)); if (i !== undefined) lines[i] = lines[i]!.replace(/\{ (\S+) /, "{ "); },
    () => insertBefore(/^user /, `role extra${Math.floor(rnd() * 3)}_r types { ${pick(types)} ${pick(types)} };`),
    () => insertBefore(/^user /, `allow ${pick(roles)} ${pick(roles)};`),
    () => { const i = pick(idx(/^allow \w+_r \w+_r;/)); if (i !== undefined) lines.splice(i, 1); },
    () => { const i = pick(idx(/^user /)); if (i !== undefined) lines[i] = lines[i]!.replace(/roles \{? ?([^;}]*?) ?\}?( level|;)/, (_, r: string, t: string) => `roles { ${r.split(" ").includes(roles[0]!) ? r.split(" ").filter((x) => x !== roles[0]).concat(roles.slice(1, 2)).join(" ") : `${r} ${roles[0]}`} }${t}`); },
    () => { const i = pick(idx(/^user /)); if (i !== undefined) lines.splice(i + 1, 0, lines[i]!.replace(/^user \w+/, `user extra${Math.floor(rnd() * 3)}_u`)); },
    () => { const i = pick(idx(/^\s*bool \S+ (true|false);/)); if (i !== undefined) lines[i] = lines[i]!.replace(/(true|false)/, (v) => (v === "true" ? "false" : "true")); },
    () => insertBefore(/^(allow|if) /, `bool extrab${Math.floor(rnd() * 3)} ${rnd() < 0.5};`),
    () => { const i = pick(idx(/^(mls)?constrain /)); if (i !== undefined) lines.splice(i, 1); },
    () => insertBefore(/^sid \w+ \S+:/, `constrain ${pick(["domain", "resource", "event", "xen"])} ${pick(["{ getattr }", "*"])} ( ${pick(["u1 == u2", "r1 != r2", `t1 == ${pick(types)}`, `t2 != { ${pick(types)} ${pick(types)} }`, "r1 dom r2"])} or ${pick(["t1 == t2", `u2 == ${pick(users)}`, `r2 == ${pick(roles)}`])} );`),
    () => { const i = pick(idx(/^constrain /)); if (i !== undefined) lines[i] = lines[i]!.replace(/ == /, " != "); },
    () => insertBefore(/^role /, `permissive ${pick(types)};`),
    () => { const i = pick(idx(/^sid \w+ \S+:/)); if (i !== undefined) lines[i] = lines[i]!.replace(/:[^:\s]+_t\b/, `:${pick(types)}`); },
    () => { const i = pick(idx(/^type \w+,/)); if (i !== undefined) lines[i] = lines[i]!.replace(/, *\w+;$/, ";"); },
    () => insertBefore(/^user /, `role_transition ${pick(roles)} ${pick(types)}:${pick(["domain", "event"])} ${pick(roles)};`),
    () => { const i = pick(idx(/^(pirqcon|iomemcon|ioportcon|pcidevicecon|devicetreecon) /)); if (i !== undefined) lines[i] = lines[i]!.replace(/:\w+_t\b/, `:${pick(types)}`); },
    // default_* rules and policy capabilities sit between the access vectors and the TE statements
    () => insertBefore(/^attribute /, pick([
      `default_user ${pick(classes)} ${pick(["source", "target"])};`,
      `default_role ${pick(classes)} ${pick(["source", "target"])};`,
      `default_type ${pick(classes)} ${pick(["source", "target"])};`,
      `default_range ${pick(classes)} ${pick(["source", "target"])} ${pick(["low", "high", "low-high"])};`,
    ])),
    () => { const i = pick(idx(/^default_\w+ /)); if (i !== undefined) lines.splice(i, 1); },
    () => insertBefore(/^attribute /, `policycap ${pick(["network_peer_controls", "open_perms", "always_check_network", "cgroup_seclabel"])};`),
    () => insertBefore(/^role /, `typebounds ${pick(types)} ${pick(types)};`),
    () => { const i = pick(idx(/^typebounds /)); if (i !== undefined) lines.splice(i, 1); },
  ];
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) pick(muts)();
  return lines.join("\n");
}

/** sediff's options for a pair as xsm diff reports it: the MLS sections for MLS policies, the
 *  validatetrans, role_transition, policy capability and default_* sections when either text has
 *  such a statement (xsm diff prints those only then). */
export function sediffArgsFor(a: string, b: string, mls: boolean): string[] {
  const has = (re: RegExp) => re.test(a) || re.test(b);
  // sediff prints its sections in its own order, whatever the options' order
  const mlsFlags = ["--category", "--sensitivity", "--level", "--range_trans", "--mlsconstrain"];
  const vt = mls || has(/^\s*(mls)?validatetrans /m);
  return [
    ...SEDIFF_SECTIONS,
    ...(mls ? mlsFlags : []),
    ...(vt ? ["--validatetrans", "--mlsvalidatetrans"] : []),
    ...(has(/^\s*role_transition /m) ? ["--role_trans"] : []),
    ...(has(/^\s*policycap /m) ? ["--polcap"] : []),
    ...(has(/^\s*default_(user|role|type|range) /m) ? ["--default"] : []),
    ...(has(/^\s*typebounds |^type [\w]+\.\w/m) ? ["--typebounds"] : []),
  ];
}

/** An avcLog in the shape a Xen release prints its avc lines (xen/xsm/flask/avc.c, avc_audit):
 *  before 4.17 `domid=N target=M `, `domid=N ` or `target=M `; from 4.17 (6cecffc7a6, %pd)
 *  `source=dN target=dM `, `source=dN ` or `current=dN ` (`d[IDLE]` for the idle vCPU); then the
 *  audit data's field, if any: `device=0x..`, `irq=N`, `range=0x..-0x..`, `pte=0x.. mfn=0x..`,
 *  `dtdevice=PATH`. Picked by `seed`. */
export function xenAvcLog(log: string, seed: number, pd: boolean): string {
  const rnd = prng(seed * 31 + 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const dom = (n: number) => (pd ? (n < 0 ? "d[IDLE]" : `d${n}`) : String(Math.max(0, n)));
  return log.replace(/ for domid=(\d+) /g, (_, id: string) => {
    const s = Number(id);
    const t = s + 1 + Math.floor(rnd() * 4);
    const who = pick([
      `${pd ? "source" : "domid"}=${dom(s)} target=${dom(t)} `,
      `${pd ? "source" : "domid"}=${dom(s)} `,
      pd ? `current=${dom(rnd() < 0.2 ? -1 : s)} ` : `target=${dom(t)} `,
    ]);
    const data = pick([
      "",
      "",
      `device=${pick(["0x300", "0x1a01", "0x10000"])} `,
      `irq=${Math.floor(rnd() * 200)} `,
      `range=${pick(["0xfe000-0xfe0ff", "0xcf8-0xcff", "0x1000-0x1000"])} `,
      `pte=0x${(0x8000000 + Math.floor(rnd() * 0xffff)).toString(16)} mfn=0x${Math.floor(rnd() * 0xfffff).toString(16)} `,
      `dtdevice=${pick(["/soc/serial@1c28000", "/smmu@2b400000"])} `,
    ]);
    return ` for ${who}${data}`;
  });
}

/** audit2allow -m prints the require block's types, then its classes, each in Python's set order,
 *  different from run to run (sepolgen's Require.to_string); xsm allow -m sorts each. */
export function sortRequire(module: string): string {
  const kind = (l: string) => (l.startsWith("\ttype ") ? 0 : 1);
  return module.replace(/(^require \{\n)([\s\S]*?)(^\}\n)/m, (_, open: string, body: string, close: string) =>
    `${open}${body.split(/(?<=\n)/).sort((x, y) => kind(x) - kind(y) || (x < y ? -1 : x > y ? 1 : 0)).join("")}${close}`);
}
