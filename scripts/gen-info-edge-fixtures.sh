#!/bin/sh
# Records seinfo's statistics of every binary edge case (test/fixtures/binary/edge/*.bin, made by
# checkpolicy), so `npm test` checks xsm info's counts of the rarer statements (role_transition,
# typebounds, class defaults, permissive, policycap, filename transitions, handle_unknown)
# without setools. Needs Debian's setools. Run from the repository root.
set -eu
out=test/fixtures/analysis/info-edge.json
{
  printf '{\n'
  first=1
  for bin in test/fixtures/binary/edge/*.bin; do
    # seinfo 4.4.1 cannot read some (t10: "A binary policy must be specified"); left out
    text=$(seinfo "$bin" 2>/dev/null) || continue
    [ $first = 1 ] || printf ',\n'
    first=0
    printf ' "%s": %s' "$bin" "$(printf '%s\n' "$text" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"
  done
  printf '\n}\n'
} > "$out"
