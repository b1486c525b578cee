// Deterministic samples of questions on an SVP-shaped policy: half drawn from what its rules grant,
// half uniformly over every (type, type, class, perm), which are nearly all denials. Both engines
// and the baseline answer the same list, in the same order.
import type { Question } from "../peers/question.js";
import type { SvpPolicy } from "./svp-policy.js";
import { mulberry32 } from "./prng.js";

export function sampleQuestions(p: SvpPolicy, n: number, seed = 1): Question[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const types = [...p.types.keys()];
  const members = new Map<string, string[]>();
  for (const t of types) members.set(t, [t]);
  for (const a of p.attributes) members.set(a, types.filter((t) => p.types.get(t)!.includes(a)));
  const classes = Object.keys(p.classes);
  const out: Question[] = [];
  while (out.length < n) {
    if (out.length % 2 === 0) {
      const r = pick(p.rules);
      const stype = pick(members.get(r.source)!);
      const ttype = r.target === "self" ? stype : pick(members.get(r.target)!);
      out.push({ stype, ttype, tclass: r.tclass, perm: pick(r.perms) });
    } else {
      const tclass = pick(classes);
      out.push({ stype: pick(types), ttype: pick(types), tclass, perm: pick(p.classes[tclass]!) });
    }
  }
  return out;
}
