// The calls `xsm allow -R` proposes for a whole log, as one module: rule after rule in the
// module's order, each rule's nearest call unless it cannot stand beside the calls above it. A
// call that declares types (device_model: `type $2_target`) declares them once: a second call
// declaring one of them would make the module fail to compile, so it is passed over for the next
// call of the rule, and said; a rule the calls above grant already (the same call, or one whose
// rules cover it) gets no call of its own. audit2allow -R writes an identical call once
// (policygen.py's InterfaceGenerator.gen); it reads an interface's allow rules only, and offers
// none of more than one parameter, so it never meets a declaration twice.

/** A call as proposing reads it (an InterfaceGrant or UndecidedCall, src/policy/interface-grants.ts). */
interface Declaring {
  call: string;
  declares?: string[];
  clash?: { call: string; names: string[] };
}

/** A query's answer as proposing reads it (src/policy/interface-grants.ts's InterfaceAnswer). */
interface Answer<G extends Declaring, U extends Declaring> {
  grants: G[];
  undecided: U[];
  above?: string[];
}

/** What proposing needs of the tree: a call's expansion, and whether the policy with some
 *  expansions added where the modules' rules stand allows a query. */
export interface ProposalEnv<Q> {
  text(call: string): string;
  allows(texts: readonly string[], q: Q): boolean;
}

/** Each query's answer as the module proposes it (the queries in the module's order): `above`
 *  when calls proposed for earlier rules grant it already, else its calls, each that declares a
 *  name an earlier proposed call declares marked with that call. */
export function proposeTogether<Q extends { tclass: string }, G extends Declaring, U extends Declaring>(queries: readonly Q[], answers: readonly Answer<G, U>[], env: ProposalEnv<Q>): Answer<G, U>[] {
  const proposed: { call: string; text: string }[] = [];
  const declaredBy = new Map<string, string>();
  return answers.map((answer, i) => {
    const q = queries[i]!;
    const above = grantedAbove(q, proposed, env);
    if (above !== undefined) return { ...answer, above };
    const marked = <T extends Declaring>(g: T): T => {
      const names = (g.declares ?? []).filter((n) => declaredBy.has(n));
      return names.length === 0 ? g : { ...g, clash: { call: declaredBy.get(names[0]!)!, names } };
    };
    const grants = answer.grants.map(marked);
    const pick = grants.find((g) => g.clash === undefined);
    if (pick !== undefined) {
      proposed.push({ call: pick.call, text: env.text(pick.call) });
      for (const n of pick.declares ?? []) declaredBy.set(n, pick.call);
    }
    return { ...answer, grants, undecided: answer.undecided.map(marked) };
  });
}

/** The call above that grants the query (or the calls, when only together they do). */
function grantedAbove<Q extends { tclass: string }>(q: Q, proposed: readonly { call: string; text: string }[], env: ProposalEnv<Q>): string[] | undefined {
  // (only a call naming the denied class can grant it)
  const naming = proposed.filter((p) => new RegExp(`\\b${q.tclass}\\b`).test(p.text));
  if (naming.length === 0) return undefined;
  const one = naming.find((p) => env.allows([p.text], q));
  if (one !== undefined) return [one.call];
  return env.allows(proposed.map((p) => p.text), q) ? proposed.map((p) => p.call) : undefined;
}
