#!/bin/sh
# Role dominance fixtures (test/fixtures/role-dominance): for each policy, checkpolicy's binary
# (checkpolicy -t Xen -c 30) and libsepol's decisions (scripts/oracle-computeav) on every pair of
# contexts u:ROLE:TYPE (every role and type the policy names) for domain create (r1 dom r2),
# destroy (r1 domby r2) and pause (r1 incomp r2), kept as one letter a query (A allowed, D denied,
# E a context libsepol refuses) in NAME.decisions.txt; test/policy/role-dominance.test.ts builds
# the same queries in the same order. Needs Debian's checkpolicy and libsepol.
set -e
cd "$(dirname "$0")/../test/fixtures/role-dominance"
for conf in *.conf; do
  name=${conf%.conf}
  checkpolicy -t Xen -c 30 -o "$name.bin" "$conf" >/dev/null 2>&1
  /usr/bin/python3 - "$conf" > "$name.queries.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
roles = sorted(set(re.findall(r"\brole (\w+)", text)) - {"object_r"}) + ["object_r"]
types = sorted(set(re.findall(r"^type (\w+);", text, re.M)))
ctx = [f"u:{r}:{t}" for r in roles for t in types]
print(json.dumps([{"scontext": s, "tcontext": t, "tclass": "domain", "perm": p} for s in ctx for t in ctx for p in ("create", "destroy", "pause")]))
PY
  # libsepol refuses to load a binary whose role dominates a role attribute (validate_policydb):
  # such a policy has its bytes compared only
  if ../../../scripts/oracle-computeav "$conf" "$name.queries.json" > "$name.decisions.json" 2>/dev/null; then
    /usr/bin/python3 -c 'import json, sys; print("".join("E" if "error" in d else "A" if d["allowed"] else "D" for d in json.load(sys.stdin)))' < "$name.decisions.json" > "$name.decisions.txt"
  fi
  rm -f "$name.queries.json" "$name.decisions.json"
done
