// The queries of test/fixtures/role-types, shared by the fixture test and the live one.

/** The queries scripts/gen-role-types-fixtures.sh asks, in its order: every context u:ROLE:TYPE
 *  (each `role R;` and object_r, each `type T;`) creating a domain labelled u:r:xen_t. */
export function roleTypesQueries(text: string): { scontext: string; tcontext: string; tclass: string; perm: string }[] {
  const roles = [...new Set([...text.matchAll(/^role (\w+);/gm)].map((m) => m[1]!))].sort();
  roles.push("object_r");
  const types = [...new Set([...text.matchAll(/^type (\w+);/gm)].map((m) => m[1]!))].sort();
  return roles.flatMap((r) => types.map((t) => ({ scontext: `u:${r}:${t}`, tcontext: "u:r:xen_t", tclass: "domain", perm: "create" })));
}
