// MLS policies and queries for the differential tests: a gen-policy output made MLS (the way
// Xen's tools/flask/policy adds policy/mls under CONFIG_MLS): sensitivities with an alias,
// dominance, categories with an alias, levels, mlsconstrain statements over the policy's own
// classes, range_transition rules, users with level and range, contexts with levels. The query
// contexts get random levels and ranges, some of them invalid. Deterministic in the seed.
import type { Query } from "./harness.js";

/** xorshift32 from the seed times `mix` (each generator keeps its own, so recorded seeds stay). */
export function prng(seed: number, mix = 2654435761): () => number {
  let s = (seed * mix) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export interface MlsShape {
  sens: number;
  cats: number;
}

export function mlsShape(seed: number): MlsShape {
  const rnd = prng(seed * 7 + 1);
  return { sens: 2 + Math.floor(rnd() * 3), cats: 3 + Math.floor(rnd() * 4) };
}

const OPS = ["==", "!=", "dom", "domby", "incomp"];
const PAIRS = [["l1", "l2"], ["l1", "h2"], ["h1", "l2"], ["h1", "h2"], ["l1", "h1"], ["l2", "h2"]];

export function mlsPolicy(conf: string, seed: number): string {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { sens, cats } = mlsShape(seed);
  const top = `s${sens - 1}`;
  const allCats = `c0.c${cats - 1}`;
  const lines = conf.split("\n");
  const classes: { name: string; perms: string[] }[] = [];
  const types: string[] = [];
  for (const l of lines) {
    const m = /^class (\S+) (?:inherits \S+ )?\{ ([^}]*) \}/.exec(l);
    if (m) classes.push({ name: m[1]!, perms: m[2]!.trim().split(/\s+/) });
    const t = /^type (\w+)[,;]/.exec(l);
    if (t) types.push(t[1]!);
  }
  const mls: string[] = [];
  for (let i = 0; i < sens; i++) mls.push(`sensitivity s${i}${i === 1 ? " alias sens1_alias" : ""};`);
  mls.push(`dominance { ${Array.from({ length: sens }, (_, i) => `s${i}`).join(" ")} }`);
  for (let i = 0; i < cats; i++) mls.push(`category c${i}${i === 1 ? " alias cat1_alias" : ""};`);
  for (let i = 0; i < sens; i++) mls.push(`level s${i}:${allCats};`);
  const expr = (depth: number): string => {
    const r = rnd();
    if (depth > 0 && r < 0.3) return `( ${expr(depth - 1)} ${pick(["and", "or"])} ${expr(depth - 1)} )`;
    if (depth > 0 && r < 0.4) return `not ( ${expr(depth - 1)} )`;
    if (r < 0.5 && types.length > 0) return `t1 == ${pick(types)}`;
    const [a, b] = pick(PAIRS);
    return `${a} ${pick(OPS)} ${b}`;
  };
  const nCons = 3 + Math.floor(rnd() * 4);
  for (let i = 0; i < nCons && classes.length > 0; i++) {
    const c = pick(classes);
    const perms = [...new Set([pick(c.perms), pick(c.perms)])];
    mls.push(`mlsconstrain ${c.name} { ${perms.join(" ")} } ${expr(2)};`);
  }
  const level = () => `s${Math.floor(rnd() * sens)}`;
  const rangeTrans: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 3 && types.length > 1 && classes.length > 0; i++) {
    const key = `${pick(types)} ${pick(types)}:${pick(classes).name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rangeTrans.push(`range_transition ${key} s0 - ${level()}:c0${rnd() < 0.5 ? ",c2" : ".c1"};`);
  }
  const out: string[] = [];
  let placed = false;
  let rolesPlaced = false;
  for (const l of lines) {
    if (!placed && /^(attribute|type|typeattribute|typealias|bool) /.test(l)) {
      out.push(...mls);
      placed = true;
    }
    if (!rolesPlaced && /^role /.test(l)) {
      out.push(...rangeTrans);
      rolesPlaced = true;
    }
    if (/^user /.test(l)) {
      const narrow = l.startsWith("user vm_u") && seed % 3 === 0;
      out.push(l.replace(/;\s*$/, narrow ? ` level s0 range s0 - s1:c0,c1;` : ` level s0 range s0 - ${top}:${allCats};`));
      continue;
    }
    if (/^(sid \S+|pirqcon|iomemcon|ioportcon|pcidevicecon|devicetreecon) .*:\S+:\S+$/.test(l)) {
      out.push(`${l}:${rnd() < 0.5 ? "s0" : `s0 - ${top}:c0`}`);
      continue;
    }
    out.push(l);
  }
  return out.join("\n");
}

/** Each query's contexts with a random level or range: mostly valid, some out of order or naming
 *  an alias; the rare invalid one must be refused alike. */
export function mlsQueries(queries: Query[], seed: number): Query[] {
  const rnd = prng(seed * 13 + 5);
  const { sens, cats } = mlsShape(seed);
  const catName = (i: number) => (i === 1 && rnd() < 0.3 ? "cat1_alias" : `c${i}`);
  const level = (minSens: number, minCats: number[]): { text: string; sens: number; cats: number[] } => {
    const s = minSens + Math.floor(rnd() * (sens - minSens));
    const set = new Set(minCats);
    for (let c = 0; c < cats; c++) if (rnd() < 0.35) set.add(c);
    const list = [...set].sort((a, b) => a - b);
    let text = s === 1 && rnd() < 0.3 ? "sens1_alias" : `s${s}`;
    if (list.length > 0) {
      // a run of three or more as lo.hi, as the kernel prints it, sometimes
      const run = list.length >= 3 && list[list.length - 1]! - list[0]! === list.length - 1 && rnd() < 0.5;
      text += `:${run ? `${catName(list[0]!)}.${catName(list[list.length - 1]!)}` : list.map(catName).join(",")}`;
    }
    return { text, sens: s, cats: list };
  };
  const range = (): string => {
    const low = level(0, []);
    if (rnd() < 0.4) return low.text;
    if (rnd() < 0.05) return `${low.text}-s0`; // high below low when low is above s0 or has categories
    const high = level(low.sens, low.cats);
    return `${low.text}-${high.text}`;
  };
  return queries.map((q) => ({ ...q, scontext: `${q.scontext}:${range()}`, tcontext: `${q.tcontext}:${range()}` }));
}
