// The SVP policy's TE rules as a casbin RBAC model, answered by casbin's enforceSync.
//
// How it is made equivalent (checked on a sample before timing, see sections/avc.ts):
// - attributes are casbin roles: `g, TYPE, ATTR` for subjects and `g2, TYPE, ATTR` for objects, and
//   casbin's g() holds for a name and itself, so a rule naming a type matches that type;
// - `allow S T:C { p q };` becomes one policy line per permission, `p, S, T, C:p`, and a `self` target
//   is the object "self", which the matcher resolves to "the request's object is its subject";
// - neverallow rules are compile-time assertions with no casbin counterpart (see cedar.ts).
// The effect is allow-if-any-matches, deny by default, as TE.
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from "casbin";
import type { SvpPolicy } from "../gen/svp-policy.js";
import type { Peer, Question } from "./question.js";

export const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && (g2(r.obj, p.obj) || (p.obj == "self" && r.obj == r.sub)) && r.act == p.act
`;

export function casbinPolicyCsv(p: SvpPolicy): string {
  const lines: string[] = [];
  for (const r of p.rules) for (const perm of r.perms) lines.push(`p, ${r.source}, ${r.target}, ${r.tclass}:${perm}`);
  for (const [t, attrs] of p.types) for (const a of attrs) lines.push(`g, ${t}, ${a}`, `g2, ${t}, ${a}`);
  return lines.join("\n");
}

export async function casbinPeer(p: SvpPolicy): Promise<Peer> {
  const csv = casbinPolicyCsv(p);
  const e: Enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(csv));
  const lines = csv.split("\n");
  return {
    name: "casbin enforceSync",
    translation: `${lines.filter((l) => l.startsWith("p,")).length} p lines, ${lines.filter((l) => l.startsWith("g")).length} g/g2 lines`,
    decide: (q: Question) => e.enforceSync(q.stype, q.ttype, `${q.tclass}:${q.perm}`),
    loop(questions) {
      const reqs = questions.map((q) => [q.stype, q.ttype, `${q.tclass}:${q.perm}`] as const);
      return (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const r = reqs[i % reqs.length]!;
          if (e.enforceSync(r[0], r[1], r[2])) acc++;
        }
        return acc;
      };
    },
  };
}
