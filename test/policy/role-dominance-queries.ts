// The queries of test/fixtures/role-dominance, shared by the fixture test and the live one.

/** The queries scripts/gen-role-dominance-fixtures.sh asks, in its order. */
export function dominanceQueries(text: string): { scontext: string; tcontext: string; perm: string }[] {
  const roles = [...new Set([...text.matchAll(/\brole (\w+)/g)].map((m) => m[1]!))].filter((r) => r !== "object_r").sort();
  roles.push("object_r");
  const types = [...new Set([...text.matchAll(/^type (\w+);/gm)].map((m) => m[1]!))].sort();
  const contexts = roles.flatMap((r) => types.map((t) => `u:${r}:${t}`));
  return contexts.flatMap((s) => contexts.flatMap((t) => ["create", "destroy", "pause"].map((perm) => ({ scontext: s, tcontext: t, perm }))));
}
