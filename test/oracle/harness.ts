// Shared by scripts/gen-oracle-fixtures.ts (which records the oracle's answers as fixtures) and the
// live oracle tests (test/oracle/*.test.ts): where the oracle tools live, how to run them, and the
// deterministic query set derived from a seed's policy and matrix.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../../bench/gen/prng.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const fixtureDir = join(repoRoot, "test/fixtures/oracle");

/** Directory of gen-policy / oracle-matrix / oracle-decide: $XSM_ORACLE, else the vendored copy. */
export function oracleDir(): string {
  return process.env.XSM_ORACLE ? resolve(process.env.XSM_ORACLE) : join(repoRoot, "test/oracle/tools");
}

export interface Query {
  scontext: string;
  tcontext: string;
  tclass: string;
  perm: string;
}

/** oracle-decide's JSON answer for one query. */
export interface OracleAnswer {
  allowed: boolean;
  audited: boolean;
  error?: string;
}

type AvMap = Record<string, Record<string, Record<string, string[]>>>;

/** The parts of oracle-matrix's document that queries are derived from. */
export interface MatrixDoc {
  classes: Record<string, string[]>;
  types: string[];
  attributes: Record<string, string[]>;
  aliases: Record<string, string>;
  booleans: Record<string, boolean>;
  allow: AvMap;
  auditallow: AvMap;
  dontaudit: AvMap;
  roles: Record<string, string[]>;
  users: Record<string, string[]>;
}

export type Size = "small" | "medium" | "large";

export function seedName(seed: number): string {
  return `seed-${String(seed).padStart(3, "0")}`;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one oracle tool; never rejects (a failing tool is a result to report, with its exit code). */
export function runTool(tool: string, args: string[], cwd?: string): Promise<ToolResult> {
  const path = join(oracleDir(), tool);
  return new Promise((done) => {
    execFile(path, args, { cwd, maxBuffer: 1 << 30, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      if (err && typeof err.code !== "number") stderr = `${stderr}${err.message}`;
      done({ code, stdout, stderr });
    });
  });
}

/** Fails loudly, with what to install, when checkpolicy / setools / the tools are not usable. */
export async function assertOracleAvailable(): Promise<void> {
  const dir = oracleDir();
  for (const tool of ["gen-policy", "oracle-matrix", "oracle-decide"]) {
    if (!existsSync(join(dir, tool))) {
      throw new Error(`oracle tool ${join(dir, tool)} not found (set XSM_ORACLE to the tools directory)`);
    }
  }
  const probe = await runTool("gen-policy", ["--seed", "1"]);
  if (probe.code !== 0) throw new Error(`gen-policy does not run (needs /usr/bin/python3): ${probe.stderr.trim()}`);
  const which = await new Promise<boolean>((done) =>
    execFile("checkpolicy", ["-V"], (err) => done(!err || typeof err.code === "number")),
  );
  if (!which) {
    throw new Error(
      "checkpolicy is not installed: apt-get update && apt-get install -y checkpolicy setools python3-setools m4",
    );
  }
}

export async function genPolicy(seed: number, size: Size = "small", violate = false): Promise<string> {
  const args = ["--seed", String(seed), "--size", size, ...(violate ? ["--violate-neverallow"] : [])];
  const r = await runTool("gen-policy", args);
  if (r.code !== 0) throw new Error(`gen-policy ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export function boolArgs(bools: Record<string, boolean>): string[] {
  return Object.entries(bools).flatMap(([name, value]) => ["--bool", `${name}=${value}`]);
}

// ---- deterministic queries ---------------------------------------------------------------------

/** The boolean override used for a seed's second oracle-decide run: one boolean, flipped. */
export function boolOverride(seed: number, matrix: MatrixDoc): Record<string, boolean> {
  const names = Object.keys(matrix.booleans);
  if (names.length === 0) return {};
  const name = names[Math.floor(mulberry32(seed ^ 0x5bd1e995)() * names.length)];
  return { [name!]: !matrix.booleans[name!] };
}

/** `constrain CLASS PERMS (...)` statements as (class, perms): which queries can hit a constraint. */
function constraintTargets(conf: string): { tclass: string; perms: string[] }[] {
  const out: { tclass: string; perms: string[] }[] = [];
  for (const m of conf.matchAll(/^constrain\s+(\{[^}]*\}|\S+)\s+(\{[^}]*\}|\S+)\s*\(/gm)) {
    const names = (s: string) => s.replace(/[{}]/g, " ").trim().split(/\s+/);
    for (const tclass of names(m[1]!)) out.push({ tclass, perms: names(m[2]!) });
  }
  return out;
}

/** Rules inside `if` blocks written on plain type names: queries that a boolean flip can change. */
function conditionalRules(conf: string): Query[] {
  const out: Query[] = [];
  for (const block of conf.matchAll(/^if \([^)]*\)* \{([^}]*)\}(?: else \{([^}]*)\})?/gm)) {
    const body = `${block[1]}\n${block[2] ?? ""}`;
    for (const m of body.matchAll(/^\s*allow (\w+_t) (\w+_t):(\w+) \{? ?(\w+)/gm)) {
      out.push({ scontext: m[1]!, tcontext: m[2]!, tclass: m[3]!, perm: m[4]! });
    }
  }
  return out;
}

/**
 * About 45 queries for a seed: perms the allow, auditallow and dontaudit tables hold, perms under a
 * constraint with contexts that make it hold or fail, rules a boolean switches, random (mostly
 * denied) queries over every class, aliases in contexts, and invalid contexts, classes and perms.
 */
export function deriveQueries(seed: number, matrix: MatrixDoc, conf: string): Query[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const users = Object.keys(matrix.users);
  const reverseAlias = new Map<string, string[]>();
  for (const [alias, type] of Object.entries(matrix.aliases)) {
    reverseAlias.set(type, [...(reverseAlias.get(type) ?? []), alias]);
  }

  /** A valid context for a type: a user and role authorized for it, else `object_r`. */
  const context = (type: string, useAlias = false): string => {
    const options: string[] = [];
    for (const user of users) {
      for (const role of matrix.users[user]!) {
        if (matrix.roles[role]?.includes(type)) options.push(`${user}:${role}`);
      }
    }
    const ur = options.length > 0 && rnd() < 0.85 ? pick(options) : `${pick(users)}:object_r`;
    const aliases = reverseAlias.get(type);
    return `${ur}:${useAlias && aliases ? pick(aliases) : type}`;
  };

  const entries = (m: AvMap): [string, string, string, string][] => {
    const out: [string, string, string, string][] = [];
    for (const [s, ts] of Object.entries(m)) {
      for (const [t, cs] of Object.entries(ts)) {
        for (const [c, ps] of Object.entries(cs)) for (const p of ps) out.push([s, t, c, p]);
      }
    }
    return out;
  };
  const queries: Query[] = [];
  const fromEntries = (list: [string, string, string, string][], n: number, useAlias = false) => {
    for (let i = 0; i < n && list.length > 0; i++) {
      const [s, t, c, p] = pick(list);
      queries.push({ scontext: context(s, useAlias), tcontext: context(t, useAlias), tclass: c, perm: p });
    }
  };

  const allow = entries(matrix.allow);
  fromEntries(allow, 10);
  for (const { tclass, perms } of constraintTargets(conf)) {
    const hits = allow.filter(([, , c, p]) => c === tclass && perms.includes(p));
    fromEntries(hits, 4);
  }
  fromEntries(entries(matrix.auditallow), 4);
  fromEntries(entries(matrix.dontaudit), 4);
  fromEntries(
    allow.filter(([s, t]) => reverseAlias.has(s) || reverseAlias.has(t)),
    2,
    true,
  );
  const conditional = conditionalRules(conf);
  for (let i = 0; i < 4 && conditional.length > 0; i++) {
    const q = pick(conditional);
    const s = matrix.aliases[q.scontext] ?? q.scontext;
    const t = matrix.aliases[q.tcontext] ?? q.tcontext;
    queries.push({ ...q, scontext: context(s), tcontext: context(t) });
  }
  const classes = Object.keys(matrix.classes);
  for (let i = 0; i < 6; i++) {
    const c = pick(classes);
    queries.push({
      scontext: context(pick(matrix.types)),
      tcontext: context(pick(matrix.types)),
      tclass: c,
      perm: pick(matrix.classes[c]!),
    });
  }

  // invalid queries: oracle-decide answers them with an "error"
  const valid = queries[0] ?? { scontext: "system_u:system_r:xen_t", tcontext: "system_u:object_r:xen_t", tclass: "xen", perm: "x" };
  const [user, role, type] = valid.scontext.split(":");
  const notInVm = matrix.types.find((t) => !matrix.roles.vm_r?.includes(t)) ?? type;
  const otherClass = classes.find((c) => c !== valid.tclass);
  const foreignPerm = otherClass && matrix.classes[otherClass]!.find((p) => !matrix.classes[valid.tclass]!.includes(p));
  const attribute = Object.keys(matrix.attributes)[0] ?? "no_attr";
  queries.push(
    { ...valid, scontext: `nobody_u:${role}:${type}` },
    { ...valid, tcontext: `${user}:nobody_r:${type}` },
    { ...valid, scontext: `${user}:${role}:no_such_t` },
    { ...valid, scontext: `vm_u:system_r:${type}` },
    { ...valid, tcontext: `system_u:vm_r:${notInVm}` },
    { ...valid, scontext: `${user}:${role}` },
    { ...valid, tcontext: `system_u:object_r:${attribute}` },
    { ...valid, tclass: "no_such_class" },
    { ...valid, perm: foreignPerm ?? "no_such_perm" },
  );
  return queries;
}

// ---- comparing with the oracle -----------------------------------------------------------------

/** Where two JSON documents first differ, as a short path and both values; undefined if equal.
 *  A 100 KB string diff helps nobody; this names the entry that is wrong. */
export function firstDifference(ours: unknown, theirs: unknown, path = "$"): string | undefined {
  if (typeof ours !== typeof theirs || Array.isArray(ours) !== Array.isArray(theirs) || ours === null || theirs === null || typeof ours !== "object") {
    return JSON.stringify(ours) === JSON.stringify(theirs)
      ? undefined
      : `${path}: ours ${JSON.stringify(ours)?.slice(0, 300)}, oracle ${JSON.stringify(theirs)?.slice(0, 300)}`;
  }
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    if (!(k in a)) return `${path}.${k}: missing from ours (oracle ${JSON.stringify(b[k]).slice(0, 300)})`;
    if (!(k in b)) return `${path}.${k}: extra in ours (${JSON.stringify(a[k]).slice(0, 300)})`;
    const d = firstDifference(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Explains a byte mismatch of two JSON texts: the first structural difference, else the offset. */
export function explainMismatch(ours: string, theirs: string): string {
  let structural: string | undefined;
  try {
    structural = firstDifference(JSON.parse(ours), JSON.parse(theirs));
  } catch (err) {
    structural = `ours is not JSON: ${(err as Error).message}`;
  }
  if (structural) return structural;
  let i = 0;
  while (i < ours.length && ours[i] === theirs[i]) i++;
  return `same document, different bytes at offset ${i}: ours ${JSON.stringify(ours.slice(i, i + 60))}, oracle ${JSON.stringify(theirs.slice(i, i + 60))}`;
}

/** checkpolicy's "neverallow on line N of FILE ... violated by allow S T:C { P };" pieces. */
export function oracleNeverallow(error: string): { line: number; source: string; target: string } | undefined {
  const m = /neverallow on line (\d+) of .*? violated by allow (\S+) (\S+):/.exec(error);
  return m ? { line: Number(m[1]), source: m[2]!, target: m[3]! } : undefined;
}
