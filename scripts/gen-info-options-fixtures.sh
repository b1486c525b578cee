#!/bin/sh
# Records seinfo's answers on checkpolicy's binary of test/fixtures/analysis/info-options.conf
# (a class that only inherits, a class with no permissions, classes without constraints, names
# one of which begins another), so
# `npm test` checks xsm info's listings there without setools. Needs Debian's checkpolicy and
# setools. Run from the repository root.
set -eu
conf=test/fixtures/analysis/info-options.conf
out=test/fixtures/analysis/info-options.seinfo.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checkpolicy -t Xen -c 30 "$conf" -o "$tmp/p.bin" > /dev/null
{
  printf '{\n'
  first=1
  for q in "-t -x" "-t" "-a -x" "-c -x" "-c shadow -x" "-c bare -x" "-c bare" "--constrain shadow" "--validatetrans bare" "--constrain xen --validatetrans shadow -x" "--constrain --validatetrans"; do
    # shellcheck disable=SC2086
    text=$(seinfo "$tmp/p.bin" $q; echo .)
    [ $first = 1 ] || printf ',\n'
    first=0
    printf ' "%s": %s' "$q" "$(printf '%s' "${text%.}" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"
  done
  printf '\n}\n'
} > "$out"
