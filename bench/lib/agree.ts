// Before anything is timed, every engine in a comparison answers the same questions and must give
// the same answers; otherwise the figures would compare different work and the run aborts.
import type { Question } from "../peers/question.js";

export class Disagreement extends Error {}

export function assertAgree(
  what: string,
  questions: readonly Question[],
  reference: (q: Question) => boolean,
  engines: readonly { name: string; decide: (q: Question) => boolean }[],
): void {
  for (const q of questions) {
    const want = reference(q);
    for (const e of engines) {
      const got = e.decide(q);
      if (got !== want)
        throw new Disagreement(
          `${what}: ${e.name} answers ${got ? "allow" : "deny"} for ${q.stype} ${q.ttype}:${q.tclass} ${q.perm}, the policy's rules say ${want ? "allow" : "deny"}`,
        );
    }
  }
}
