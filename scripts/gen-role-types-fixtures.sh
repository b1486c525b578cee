#!/bin/sh
# Role types fixtures (test/fixtures/role-types): each policy gives a role its types over several
# `role R types` statements (negations, attributes, role attributes, role dominance). For each:
# checkpolicy's binary (checkpolicy -t Xen -c 30), oracle-matrix's document (its `roles` are
# setools' reading of that binary) and oracle-decide's answers for every context u:ROLE:TYPE (each
# `role R;` and object_r, each `type T;`) as source of domain create against u:r:xen_t, one letter a
# query (A allowed, D denied, E a context refused) in NAME.decisions.txt, and seinfo -r -x's
# listing of the binary's roles in NAME.seinfo.txt;
# test/policy/role-types.test.ts builds the same queries in the same order. Needs Debian's
# checkpolicy and setools.
set -e
cd "$(dirname "$0")/../test/fixtures/role-types"
tools=../../oracle/tools
for conf in *.conf; do
  name=${conf%.conf}
  checkpolicy -t Xen -c 30 -o "$name.bin" "$conf" >/dev/null 2>&1
  "$tools/oracle-matrix" "$conf" > "$name.matrix.json"
  seinfo -r -x "$name.bin" > "$name.seinfo.txt"
  /usr/bin/python3 - "$conf" > "$name.queries.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
roles = sorted(set(re.findall(r"^role (\w+);", text, re.M))) + ["object_r"]
types = sorted(set(re.findall(r"^type (\w+);", text, re.M)))
print(json.dumps([{"scontext": f"u:{r}:{t}", "tcontext": "u:r:xen_t", "tclass": "domain", "perm": "create"} for r in roles for t in types]))
PY
  "$tools/oracle-decide" "$conf" "$name.queries.json" |
    /usr/bin/python3 -c 'import json, sys; print("".join("E" if "error" in d else "A" if d["allowed"] else "D" for d in json.load(sys.stdin)))' > "$name.decisions.txt"
  rm -f "$name.queries.json"
done
