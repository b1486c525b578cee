#!/bin/sh
# test/fixtures/refused/checkpolicy.json: what checkpolicy says when the allow rule a denial's
# proposal names is added to the policy (after its last neverallow), for test/policy/refused.test.ts.
# Needs Debian's checkpolicy. Run from the repository root: sh scripts/gen-refused-fixtures.sh
set -eu
out=test/fixtures/refused/checkpolicy.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
first=1
printf '[\n' > "$out"
while IFS='|' read -r policy rule; do
  [ -z "$policy" ] && continue
  name=$(basename "$policy")
  # the rule after the policy's last neverallow: still among its TE statements
  awk -v rule="$rule" '{ l[NR] = $0 } /^neverallow/ { last = NR } END { for (i = 1; i <= NR; i++) { print l[i]; if (i == last) print rule } }' "$policy" > "$tmp/$name"
  status=0
  (cd "$tmp" && checkpolicy -t Xen -c 30 -o /dev/null "$name" > /dev/null 2> stderr) || status=$?
  [ $first = 1 ] || printf ',\n' >> "$out"
  first=0
  python3 -c 'import json,sys; print(json.dumps({"policy": sys.argv[1], "rule": sys.argv[2], "status": int(sys.argv[3]), "stderr": open(sys.argv[4]).read()}, indent=1), end="")' "$policy" "$rule" "$status" "$tmp/stderr" >> "$out"
done <<'CASES'
test/fixtures/refused/refused.conf|allow guest_t xen_t:xen settime;
test/fixtures/refused/refused.conf|allow guest_t.sub xen_t:xen settime;
test/fixtures/refused/refused.conf|allow guest_t self:event bind;
test/fixtures/refused/refused.conf|allow guest_t dom0_t:event bind;
test/fixtures/refused/refused.conf|allow guest_t.sub dom0_t:domain destroy;
test/fixtures/refused/refused.conf|allow guest_t dom0_t:domain { create destroy };
test/fixtures/refused/refused.conf|allow guest_t xen_t:xen readconsole;
examples/xen-flask/policy.conf|allow domU_t xen_t:version xen_commandline;
examples/xen-flask/policy.conf|allow domU_t security_t:security load_policy;
examples/xen-flask/policy.conf|allow domU_t isolated_domU_t:grant map_read;
examples/xen-flask/policy.conf|allow domU_t self:domain transition;
CASES
printf '\n]\n' >> "$out"
