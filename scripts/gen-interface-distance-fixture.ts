// Records sepolgen's own distances (test/oracle/sepolgen-distance.py, Debian's python3-sepolgen)
// for the calls `xsm allow -R` offers on examples/xen-flask and for a few made-up access sets, as
// test/fixtures/analysis/interface-distance.json, which test/analysis/interface-match.test.ts
// compares src/analysis/interface-match.ts with. Needs GNU m4 and /usr/bin/python3 with sepolgen:
//   npx tsx scripts/gen-interface-distance-fixture.ts
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parsePermMap } from "../src/analysis/permmap.js";
import { expandTree } from "../src/build/index.js";
import { grantingInterfaces, type AccessQuery, type CallAccess } from "../src/build/interfaces.js";

interface Case {
  want: AccessQuery;
  access: CallAccess[];
  params: string[];
}

const cases: Case[] = [];
const queries: AccessQuery[] = [
  { source: "isolated_domU_t", target: "nic_dev_t", tclass: "resource", perms: ["use_iommu"] },
  { source: "domU_t", target: "isolated_domU_t", tclass: "grant", perms: ["map_read"] },
  { source: "isolated_domU_t_channel", target: "domU_t", tclass: "event", perms: ["bind"] },
  { source: "prot_domU_t", target: "isolated_domU_t", tclass: "domain", perms: ["getdomaininfo"] },
  { source: "domU_t", target: "hba_dev_t", tclass: "resource", perms: ["use_iommu", "add_device"] },
];
grantingInterfaces(expandTree("examples/xen-flask"), queries, {
  distance: (want, access, args) => {
    cases.push({ want, access: [...access], params: [...args] });
    return 0;
  },
});
const av = (source: string, target: string, tclass: string, ...perms: string[]): CallAccess => ({ source, target, tclass, perms });
const want = (source: string, target: string, tclass: string, ...perms: string[]): AccessQuery => ({ source, target, tclass, perms });
cases.push(
  // a read asked, a write granted with it: the information-flow penalty
  { want: want("a_t", "b_t", "mmu", "map_read"), access: [av("a_t", "b_t", "mmu", "map_read", "map_write")], params: ["a_t", "b_t"] },
  // nothing covers the denial: negative
  { want: want("a_t", "b_t", "mmu", "map_read"), access: [av("a_t", "c_t", "mmu", "map_read"), av("a_t", "b_t", "grant", "map_read")], params: ["a_t"] },
  // self, a permission and a class the map lacks (sepolgen's default weight), fixed types
  { want: want("a_t", "a_t", "domain", "pause"), access: [av("a_t", "self", "domain", "pause", "unknown_perm"), av("a_t", "a_t", "domain", "pause"), av("a_t", "xen_t", "no_such_class", "x")], params: ["a_t"] },
  // the first vector negative, a later one covering
  { want: want("a_t", "b_t", "event", "bind"), access: [av("a_t", "d_t", "event", "create"), av("a_t", "b_t", "event", "bind", "send"), av("e_t", "b_t", "event", "status")], params: ["a_t", "b_t", "d_t"] },
);
const map = parsePermMap(readFileSync("src/analysis/xen.permmap", "utf8"), "xen.permmap").map!;
const entries = [...map.classes].flatMap(([cls, perms]) => [...perms].map(([perm, m]) => [cls, perm, m.direction, m.weight]));
const r = spawnSync("/usr/bin/python3", ["test/oracle/sepolgen-distance.py"], { input: JSON.stringify({ map: entries, cases }), encoding: "utf8" });
if (r.status !== 0) throw new Error(r.stderr);
const distances = JSON.parse(r.stdout) as number[];
// (a case a line)
writeFileSync("test/fixtures/analysis/interface-distance.json", `[\n${cases.map((c, i) => JSON.stringify({ ...c, sepolgen: distances[i] })).join(",\n")}\n]\n`);
console.log(`${cases.length} cases`);
