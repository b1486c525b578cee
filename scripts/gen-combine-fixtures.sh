#!/bin/sh
# test/fixtures/analysis/combine/combine.audit2allow: what audit2allow writes for a log with several
# denials of one source, target and class (one rule each, its permissions together), on
# examples/xen-flask/policy.conf's binary; xsm check, why and test propose the same lines
# (test/analysis/combine.test.ts). Needs Debian's checkpolicy and policycoreutils-python-utils.
# Run from the repository root: sh scripts/gen-combine-fixtures.sh
set -eu
dir=test/fixtures/analysis/combine
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checkpolicy -t Xen -c 30 -o "$tmp/policy.bin" examples/xen-flask/policy.conf > /dev/null
/usr/bin/audit2allow -p "$tmp/policy.bin" < "$dir/combine.log" > "$dir/combine.audit2allow"
