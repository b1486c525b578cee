// The SVP policy's TE rules as a Cedar policy set, answered by @cedar-policy/cedar-wasm.
//
// How it is made equivalent (checked on a sample before timing, see sections/avc.ts):
// - every SELinux type and attribute is an entity `Type::"name"`; a type's parents are the
//   attributes it belongs to, so `principal in Type::"gvp1_guests"` is attribute membership, and
//   `in` being reflexive makes `principal in Type::"svp_hwdom_t"` the type itself;
// - every (class, perm) is an action `Action::"class:perm"`;
// - `allow S T:C { p q };` becomes
//   `permit (principal in Type::"S", action in [Action::"C:p", Action::"C:q"], resource in Type::"T");`
//   and a `self` target becomes `resource` with `when { resource == principal }`;
// - neverallow rules are compile-time assertions in SELinux (the policy compiled, so no rule breaks
//   them) and have no Cedar counterpart: a `forbid` would change decisions, not check rules.
// Cedar denies by default, as TE does. Each request passes just the principal's and resource's
// entities (with their attribute parents), the least Cedar needs to answer.
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import type { SvpPolicy } from "../gen/svp-policy.js";
import type { Peer, Question } from "./question.js";

type Uid = { type: string; id: string };
const typeUid = (id: string): Uid => ({ type: "Type", id });
const actionUid = (tclass: string, perm: string): Uid => ({ type: "Action", id: `${tclass}:${perm}` });

export function cedarPolicyText(p: SvpPolicy): string {
  return p.rules
    .map((r) => {
      const actions = r.perms.map((perm) => `Action::"${r.tclass}:${perm}"`).join(", ");
      if (r.target === "self")
        return `permit (principal in Type::"${r.source}", action in [${actions}], resource) when { resource == principal };`;
      return `permit (principal in Type::"${r.source}", action in [${actions}], resource in Type::"${r.target}");`;
    })
    .join("\n");
}

function entityOf(p: SvpPolicy, name: string): cedar.EntityJson {
  return { uid: typeUid(name), attrs: {}, parents: (p.types.get(name) ?? []).map(typeUid) };
}

function answer(a: cedar.AuthorizationAnswer): boolean {
  if (a.type !== "success") throw new Error(`cedar: ${a.errors.map((e) => e.message).join("; ")}`);
  if (a.response.diagnostics.errors.length > 0)
    throw new Error(`cedar: ${a.response.diagnostics.errors.map((e) => e.error.message).join("; ")}`);
  return a.response.decision === "allow";
}

let nextSetId = 0;

/** Two ways to call Cedar: `stateful` preparses the policy set once (its fastest path);
 *  plain `isAuthorized` parses the policy text on every call, as the simple API does. */
export function cedarPeer(p: SvpPolicy, mode: "stateful" | "plain"): Peer {
  const text = cedarPolicyText(p);
  const setId = `svp-${nextSetId++}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: text });
  if (parsed.type !== "success") throw new Error(`cedar: ${parsed.errors.map((e) => e.message).join("; ")}`);
  const request = (q: Question) => {
    const entities = [entityOf(p, q.stype)];
    if (q.ttype !== q.stype) entities.push(entityOf(p, q.ttype));
    const base = { principal: typeUid(q.stype), action: actionUid(q.tclass, q.perm), resource: typeUid(q.ttype), context: {}, entities };
    return mode === "stateful"
      ? () => answer(cedar.statefulIsAuthorized({ ...base, preparsedPolicySetId: setId }))
      : () => answer(cedar.isAuthorized({ ...base, policies: { staticPolicies: text } }));
  };
  return {
    name: mode === "stateful" ? "cedar-wasm (preparsed)" : "cedar-wasm isAuthorized",
    translation: `${p.rules.length} Cedar permit policies, ${p.types.size + p.attributes.length} Type entities`,
    decide: (q) => request(q)(),
    loop(questions) {
      const calls = questions.map(request);
      return (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (calls[i % calls.length]!()) acc++;
        return acc;
      };
    },
  };
}
