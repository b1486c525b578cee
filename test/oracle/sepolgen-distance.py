# sepolgen's own distance of an interface's access from a denial (matching.AccessMatcher.av_set_match,
# what audit2allow -R ranks its interface calls by), for test/analysis/interface-match.test.ts's
# cases: stdin {"map": [[class, perm, dir, weight]...], "cases": [{"want", "access", "params"}]},
# stdout the distances. A type of `access` listed in `params` is written as sepolgen's $N.
# Run with Debian's python3-sepolgen: /usr/bin/python3 test/oracle/sepolgen-distance.py < cases.json
import json
import sys

from sepolgen import access, matching, objectmodel, refpolicy

data = json.load(sys.stdin)
perm_maps = objectmodel.PermMappings()
for cls, perm, d, weight in data["map"]:
    if d in objectmodel.str_to_dir:
        perm_maps.classes.setdefault(cls, {})[perm] = objectmodel.PermMap(perm, objectmodel.str_to_dir[d], weight)
matcher = matching.AccessMatcher(perm_maps)
out = []
for case in data["cases"]:
    params = {t: "$%d" % (i + 1) for i, t in enumerate(case["params"])}
    want = case["want"]
    av = access.AccessVector([want["source"], want["target"], want["tclass"]] + want["perms"])
    avs = access.AccessVectorSet()
    for a in case["access"]:
        avs.add(params.get(a["source"], a["source"]), params.get(a["target"], a["target"]), a["tclass"], refpolicy.IdSet(a["perms"]))
    out.append(matcher.av_set_match(avs, av))
json.dump(out, sys.stdout)
