// Policies with validatetrans and mlsvalidatetrans for the relabel tests: a gen-policy output
// (made MLS or not) with random validatetrans statements over its own classes, users, roles,
// types and attributes, placed where checkpolicy's grammar wants them (after the users, before
// the initial SID contexts), and relabel queries (old, new, task contexts and a class) built from
// the policy's own user/role/type combinations, with random levels when MLS. Deterministic.
import type { MatrixDoc } from "./harness.js";
import { prng, type MlsShape } from "./mls-policy.js";

export interface RelabelQuery {
  old: string;
  new: string;
  task: string;
  tclass: string;
}

export interface RelabelAnswer {
  allowed: boolean;
  error?: string;
}


const OPS = ["==", "!="];
const LEVEL_OPS = ["==", "!=", "dom", "domby", "incomp"];
const PAIRS = [["l1", "l2"], ["l1", "h2"], ["h1", "l2"], ["h1", "h2"], ["l1", "h1"], ["l2", "h2"]];

/** `conf` with validatetrans statements (and mlsvalidatetrans ones when `mls`). */
export function validatetransPolicy(conf: string, doc: MatrixDoc, seed: number, mls: MlsShape | undefined): string {
  const rnd = prng(seed, 2246822519);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const classes = Object.keys(doc.classes);
  const users = Object.keys(doc.users);
  const roles = Object.keys(doc.roles);
  const typeNames = [...doc.types, ...Object.keys(doc.attributes)];
  const set = (xs: readonly string[]) => {
    const some = [...new Set([pick(xs), pick(xs), pick(xs)])];
    return some.length === 1 ? some[0]! : `{ ${some.join(" ")} }`;
  };
  const atom = (allowMls: boolean): string => {
    const r = rnd();
    if (allowMls && r < 0.35) {
      const [a, b] = pick(PAIRS);
      return `${a} ${pick(LEVEL_OPS)} ${b}`;
    }
    switch (Math.floor(rnd() * 9)) {
      case 0:
        return `u1 ${pick(OPS)} u2`;
      case 1:
        return `r1 ${pick(OPS)} r2`;
      case 2:
        return `t1 ${pick(OPS)} t2`;
      case 3:
        // the MLS section comes before the users are declared: its statements cannot name one
        return allowMls ? `u1 ${pick(OPS)} u2` : `u${pick(["1", "2", "3"])} ${pick(OPS)} ${set(users)}`;
      case 4:
        return `r${pick(["1", "2", "3"])} ${pick(OPS)} ${set(roles)}`;
      default:
        return `t${pick(["1", "2", "3"])} ${pick(OPS)} ${set(typeNames)}`;
    }
  };
  const expr = (depth: number, allowMls: boolean): string => {
    const r = rnd();
    if (depth > 0 && r < 0.35) return `( ${expr(depth - 1, allowMls)} ${pick(["and", "or"])} ${expr(depth - 1, allowMls)} )`;
    if (depth > 0 && r < 0.45) return `not ( ${expr(depth - 1, allowMls)} )`;
    return atom(allowMls);
  };
  const plain: string[] = [];
  const mlsStatements: string[] = [];
  const n = 2 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const target = rnd() < 0.3 ? `{ ${[...new Set([pick(classes), pick(classes)])].join(" ")} }` : pick(classes);
    const isMls = mls !== undefined && rnd() < 0.5;
    (isMls ? mlsStatements : plain).push(`${isMls ? "mlsvalidatetrans" : "validatetrans"} ${target} ${expr(2, isMls)};`);
  }
  const lines = conf.split("\n");
  // policy_parse.y: mlsvalidatetrans belongs to the MLS section (after the levels and
  // mlsconstrains), validatetrans to the constraints after the users
  const at = lines.findIndex((l) => /^sid \S+ \S+:\S+:\S+/.test(l));
  lines.splice(at < 0 ? lines.length : at, 0, ...plain);
  if (mlsStatements.length > 0) {
    let last = -1;
    lines.forEach((l, i) => {
      if (/^(level|mlsconstrain) /.test(l)) last = i;
    });
    lines.splice(last + 1, 0, ...mlsStatements);
  }
  return lines.join("\n");
}

/** Relabel questions over the policy's valid user:role:type combinations (and object_r), with a
 *  random level or range when MLS; the odd unknown type, which both sides must refuse. */
export function relabelQueries(doc: MatrixDoc, seed: number, mls: MlsShape | undefined, count = 300): RelabelQuery[] {
  const rnd = prng(seed * 31 + 7, 2246822519);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const combos: string[] = [];
  for (const [user, userRoles] of Object.entries(doc.users)) {
    for (const role of userRoles) for (const type of doc.roles[role] ?? []) combos.push(`${user}:${role}:${type}`);
    for (const type of doc.types.slice(0, 6)) combos.push(`${user}:object_r:${type}`);
  }
  const level = (minSens: number, minCats: readonly number[]): { text: string; sens: number; cats: number[] } => {
    const s = minSens + Math.floor(rnd() * (mls!.sens - minSens));
    const cats = Array.from({ length: mls!.cats }, (_, c) => c).filter((c) => minCats.includes(c) || rnd() < 0.3);
    return { text: `s${s}${cats.length > 0 ? `:${cats.map((c) => `c${c}`).join(",")}` : ""}`, sens: s, cats };
  };
  const context = (): string => {
    if (rnd() < 0.01) return `${pick(combos).replace(/:[^:]*$/, "")}:no_such_t${mls ? ":s0" : ""}`;
    const base = pick(combos);
    if (!mls) return base;
    if (rnd() < 0.5) return `${base}:${level(0, []).text}`;
    // a range whose high dominates its low, but now and then one that does not (both refuse it)
    const low = level(0, []);
    return `${base}:${low.text}-${rnd() < 0.1 ? level(0, []).text : level(low.sens, low.cats).text}`;
  };
  const classes = Object.keys(doc.classes);
  return Array.from({ length: count }, () => ({ old: context(), new: context(), task: context(), tclass: pick(classes) }));
}
