#!/bin/sh
# Builds policy.conf from a Xen-style FLASK policy source tree the way Xen's
# tools/flask/policy/Makefile.common does: the enabled modules are read from
# modules/modules.conf and every section is fed, in Xen's order, to
#   m4 -D self_contained_policy -D mls_num_sens=16 -D mls_num_cats=256 -s
# (-s makes m4 emit the #line directives that map errors back to the sources).
#
# usage: scripts/expand-xen-policy.sh [--dir TREE] [-o FILE|-] [--check] [-D NAME[=VALUE]]...
#   --dir TREE  the source tree (default: examples/xen-flask)
#   -o FILE     where to write (default: TREE/policy.conf; - for stdout)
#   --check     write nothing; exit 1 if FILE differs from what m4 produces
#   -D ...      extra m4 definitions, e.g. -D prot_doms_locked_conf=true
# Environment: M4 (default m4), MLS_SENS (16), MLS_CATS (256), CONFIG_MLS (n).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
tree="$here/examples/xen-flask"
out=""
check=no
defines=""

while [ $# -gt 0 ]; do
	case "$1" in
	--dir) tree=$(cd "$2" && pwd); shift 2 ;;
	-o) out="$2"; shift 2 ;;
	--check) check=yes; shift ;;
	-D) defines="$defines -D $2"; shift 2 ;;
	-D*) defines="$defines $1"; shift ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "expand-xen-policy: unknown argument: $1" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || out="$tree/policy.conf"

M4=${M4:-m4}
command -v "$M4" >/dev/null 2>&1 || { echo "expand-xen-policy: $M4 not found (apt-get install m4)" >&2; exit 2; }

cd "$tree"
[ -f modules/modules.conf ] || { echo "expand-xen-policy: $tree/modules/modules.conf not found" >&2; exit 2; }

# Same selection as Makefile.common's ENABLED_LIST: "name = on" lines.
enabled=$(awk '/^[ \t]*[a-z]/ { if ($3 == "on") print $1 }' modules/modules.conf)

# Paths stay relative to the tree so the #line directives read
# "modules/xen.te", as they do in Xen's build.
sections="flask/security_classes flask/initial_sids flask/access_vectors"
for f in $(LC_ALL=C ls policy/support/*.spt 2>/dev/null); do sections="$sections $f"; done
sections="$sections policy/mls"
for m in $enabled; do [ -f "modules/$m.if" ] && sections="$sections modules/$m.if"; done
sections="$sections policy/global_tunables"
for m in $enabled; do
	[ -f "modules/$m.te" ] || { echo "expand-xen-policy: module $m is on but modules/$m.te is missing" >&2; exit 2; }
	sections="$sections modules/$m.te"
done
sections="$sections policy/users"
for m in $enabled; do [ -f "modules/$m.cons" ] && sections="$sections modules/$m.cons"; done
sections="$sections policy/initial_sids policy/device_contexts"

params="-D self_contained_policy -s"
if [ "${CONFIG_MLS:-n}" != n ]; then params="$params -D enable_mls"; fi
params="$params -D mls_num_sens=${MLS_SENS:-16} -D mls_num_cats=${MLS_CATS:-256}"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2086 # word splitting of the lists is intended
"$M4" $params $defines $sections > "$tmp"

if [ "$check" = yes ]; then
	if cmp -s "$tmp" "$out"; then exit 0; fi
	echo "expand-xen-policy: $out is stale; run scripts/expand-xen-policy.sh" >&2
	exit 1
elif [ "$out" = - ]; then
	cat "$tmp"
else
	cp "$tmp" "$out"
fi
