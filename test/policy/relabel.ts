// One relabel question answered as the validatetrans tests compare it with libsepol: contexts
// and class checked first (any refused: "error"), then every validatetrans of the class.
import type { CompiledPolicy } from "../../src/policy/types.js";
import type { RelabelAnswer, RelabelQuery } from "../oracle/validatetrans-policy.js";

export function relabelAnswer(policy: CompiledPolicy, q: RelabelQuery): RelabelAnswer {
  const contexts = [q.old, q.new, q.task].map((c) => policy.parseContext(c));
  const tclass = policy.classId(q.tclass);
  for (const c of contexts) if (!c.ok) return { allowed: false, error: c.error };
  if (tclass < 0) return { allowed: false, error: `unknown class ${q.tclass}` };
  const [o, n, t] = contexts.map((c) => (c.ok ? c.value : undefined!));
  return { allowed: policy.validateTransition(o!, n!, t!, tclass) === undefined };
}
