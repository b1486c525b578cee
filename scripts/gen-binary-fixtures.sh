#!/bin/sh
# Records what checkpolicy 3.4 writes (-t Xen -c 30), so `npm test` checks our binary writer byte
# for byte without checkpolicy: the hand-written edge cases with their binaries, and the sha256 of
# the binary of every oracle seed policy, of Xen's example policy and of the expanded SVP example.
# Needs Debian's checkpolicy. Run from the repository root.
set -eu
out=test/fixtures/binary
edge=/work/shared/reference/binary-edge-cases
mkdir -p "$out/edge"
if [ -d "$edge" ]; then
  # t9/t12 (MLS) and t13 (roleattribute) use statements xsm does not compile yet; rev3 is 300 KB,
  # kept as a hash below
  for t in t1 t1b t2 t3 t4 t5 t6 t7 t8 t10 t11 t14 shuf5 big; do
    cp "$edge/$t.conf" "$out/edge/$t.conf"
    cp "$edge/$t.bin" "$out/edge/$t.bin"
  done
  # what the reader alone covers (MLS, role attribute)
  mkdir -p "$out/read-only"
  for t in t9 t12 t13; do cp "$edge/$t.conf" "$edge/$t.bin" "$out/read-only/"; done
fi
# our own edge cases (typebounds, role_transition, class defaults, `if` blocks with no rules,
# bounds by dotted names on attributes and aliases, constraints `~` leaves no permission,
# expandattribute, `role object_r;`)
for t in roletrans bounds defaults emptyif hieralias constrain-noperm expandattr object-r; do checkpolicy -t Xen -c 30 "$out/edge/$t.conf" -o "$out/edge/$t.bin" > /dev/null; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bin/xsm.js compile examples/svp/svp.conf --expand > "$tmp/svp.conf" 2>/dev/null
{
  printf '{\n "checkpolicy": "%s",\n "entries": [\n' "$(checkpolicy -V | head -1)"
  first=1
  for conf in test/fixtures/oracle/seed-*.conf examples/xen-flask/policy.conf "$tmp/svp.conf"; do
    case "$conf" in *violate*) continue ;; esac
    checkpolicy -t Xen -c 30 "$conf" -o "$tmp/out.bin" > /dev/null
    sha=$(sha256sum "$tmp/out.bin" | cut -d' ' -f1)
    size=$(stat -c %s "$tmp/out.bin")
    case "$conf" in "$tmp/svp.conf") name=examples/svp/svp.conf; expand=true ;; *) name=$conf; expand=false ;; esac
    [ $first = 1 ] || printf ',\n'
    first=0
    printf '  {"conf": "%s", "expand": %s, "size": %s, "sha256": "%s"}' "$name" "$expand" "$size" "$sha"
  done
  printf '\n ]\n}\n'
} > "$out/checkpolicy-sha256.json"
# checkpolicy -b re-buckets the avtab of a binary it reads (avtab_alloc(nel)): the reader+writer's
# no-source oracle
mkdir -p "$out/rebucket"
if [ -d "$edge" ]; then
  for t in t1 t2 t4 t8 t11 t13 shuf5 big; do checkpolicy -b -t Xen -c 30 "$edge/$t.bin" -o "$out/rebucket/$t.bin" > /dev/null; done
  checkpolicy -M -b -t Xen -c 30 "$edge/t12.bin" -o "$out/rebucket/t12.bin" > /dev/null
fi
# and sets the own bit of an expanded attribute's type_attr_map row (policydb_read)
checkpolicy -b -t Xen -c 30 "$out/edge/expandattr.bin" -o "$out/rebucket/expandattr.bin" > /dev/null
# -c 24, the other version checkpolicy writes for Xen (devicetreecon left out)
mkdir -p "$out/v24"
# (t11: its filename type transition left out, so Xen loads it)
for conf in examples/xen-flask/policy.conf test/fixtures/oracle/seed-002.conf "$out/edge/t4.conf" "$out/edge/t6.conf" "$out/edge/roletrans.conf" "$out/edge/t11.conf"; do
  name=$(basename "$(dirname "$conf")")-$(basename "$conf" .conf)
  checkpolicy -t Xen -c 24 "$conf" -o "$out/v24/$name.bin" > /dev/null
done
# -b -c 24: role_transition rules on a class other than domain (the process class libsepol's reader
# names for Xen) are left out; a policy compiled at 24 keeps none (above)
mkdir -p "$out/rebucket-v24"
checkpolicy -b -t Xen -c 24 "$out/edge/roletrans.bin" -o "$out/rebucket-v24/roletrans.bin" > /dev/null
checkpolicy -b -t Xen -c 24 "$out/edge/t11.bin" -o "$out/rebucket-v24/t11.bin" > /dev/null
# every policy of the accept-set corpus checkpolicy accepts, as a sha256
{
  printf '{\n'
  first=1
  for conf in test/fixtures/accept-set/*.conf; do
    checkpolicy -t Xen -c 30 "$conf" -o "$tmp/acc.bin" > /dev/null 2>&1 || continue
    [ $first = 1 ] || printf ',\n'
    first=0
    printf ' "%s": {"size": %s, "sha256": "%s"}' "$(basename "$conf")" "$(stat -c %s "$tmp/acc.bin")" "$(sha256sum "$tmp/acc.bin" | cut -d' ' -f1)"
  done
  printf '\n}\n'
} > "$out/accept-set-sha256.json"
