// The picture follows the policy: platforms (with the names the policy gives them, nested as
// `guest of` nests them), domains inside their platform, destroyed ones marked, devices with owners,
// PF->VF links, broken/stale marks, event channels between live domains (an unbound port as a mark on
// its domain), and with --until the step's denials in red; --svg renders it in process. The topology
// model is plain data the studio can build too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/parse.js";
import { buildTopology, platformsOf, topologyDot } from "../../src/sim/topology.js";
import { xsm } from "../cli/run.js";
import { golden, scratchDir } from "./support.js";

const four = "test/fixtures/sim/four/four.json";
const split = "examples/xen-flask/split-drivers.json";
const work = scratchDir("xsm-topo-");

describe("platforms as the policy declares them", () => {
  it("platformsOf reads each block: level, parent, hwdom/guest types, device labels with their SBDFs", () => {
    const { ast } = parsePolicy(readFileSync("test/fixtures/sim/four/four.conf", "utf8"), "four.conf");
    const ps = platformsOf(ast.statements);
    expect(ps.map((p) => [p.name, p.level, p.parent])).toEqual([
      ["svp", "supervisor", null],
      ["gvp1", "guest", "svp"],
      ["gvp3", "guest", "gvp1"],
      ["gvp2", "guest", "svp"],
    ]);
    expect(ps[2]).toMatchObject({ hwdomTypes: ["gvp3_hwdom_t"], guestTypes: ["gvp3_guest_t"], deviceTypes: [{ type: "gvp3_pci_t", sbdfs: ["0000:06:00.0", "0000:06:10.0"] }] });
  });

  it("--dot nests gvp3 inside gvp1 inside svp, names them as the policy does, marks the destroyed guest and the denial of --until", async () => {
    const r = await xsm("simulate", four, "--until", "5", "--dot");
    expect(r.code).toBe(0);
    const dot = r.stdout;
    const open = (name: string) => dot.indexOf(`subgraph "cluster_${name}"`);
    expect(open("svp")).toBeGreaterThan(0);
    expect(open("svp")).toBeLessThan(open("gvp1"));
    expect(open("gvp1")).toBeLessThan(open("gvp3"));
    expect(dot).toContain('label="platform gvp3 (guest of gvp1)";');
    expect(dot).toMatch(/"gvp3-guest" \[shape=box, style="rounded,dashed", label="gvp3-guest \(d3\)\\ngvp3_guest_t\\nDESTROYED"/);
    golden("four-platforms.until5.dot", dot);
    const d4 = await xsm("simulate", four, "--until", "4", "--dot");
    expect(d4.stdout).toContain('"gvp2-hwdom" -> "0000:06:10.0" [color=red, fontcolor=red, penwidth=2, label="denied unplug (step 4)"];');
  });

  it("a domain a later create_domain step makes is not drawn before that step: not there yet, not destroyed", async () => {
    // passthrough.json: guest3 is made by step 24
    const scenario = "examples/xen-flask/passthrough.json";
    const node = /"guest3" \[[^\]]*\]/;
    const before = await xsm("simulate", scenario, "--until", "23", "--dot");
    expect(before.stdout).toContain("after step 23 of");
    expect(before.stdout).not.toMatch(node);
    const made = await xsm("simulate", scenario, "--until", "24", "--dot");
    expect(made.stdout).toMatch(/"guest3" \[shape=box, style="rounded", label="guest3 \(d3\)\\ndomU_t"/);
    // (its --json state says the same: not live, not created)
    const state = JSON.parse((await xsm("simulate", scenario, "--until", "23", "--json")).stdout) as { state: { domains: { name: string; live: boolean; created?: boolean }[] } };
    expect(state.state.domains.find((d) => d.name === "guest3")).toMatchObject({ live: false });
    expect(state.state.domains.find((d) => d.name === "guest3")!.created).toBeUndefined();
  });

  it("broken and stale devices are marked", async () => {
    const r = await xsm("simulate", four, "--dot");
    expect(r.stdout).toContain('"0000:06:00.0" [shape=ellipse, label="0000:06:00.0\\npf BROKEN STALE\\ngvp3_pci_t", color=red, fontcolor=red];');
  });

  it("--svg renders the picture in process", async () => {
    const file = join(work, "four.svg");
    const r = await xsm("simulate", four, "--svg", file);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`picture written to ${file}\n`);
    const svg = readFileSync(file, "utf8");
    expect(svg).toMatch(/<svg[^>]*>/);
    for (const text of ["platform gvp3 (guest of gvp1)", "gvp3&#45;guest (d3)", "0000:06:10.0"]) expect(svg).toContain(text);
  });

  it("buildTopology takes plain data (what the studio passes): unknown platforms and unlabeled devices fall outside", () => {
    const t = buildTopology({
      title: "t",
      caption: "final state",
      platforms: [{ name: "p", level: "supervisor", parent: null, hwdomTypes: ["p_hwdom_t"], guestTypes: [], deviceTypes: [{ type: "p_pci_t", sbdfs: ["0000:01:00.0"] }] }],
      domains: [
        { name: "hw", domid: 0, context: "u:r:p_hwdom_t", hardware: true, control: true, live: true },
        { name: "other", domid: 5, context: "u:r:x_t", hardware: false, control: false, live: false },
      ],
      devices: [
        { sbdf: "0000:01:00.0", kind: "pf", physfn: null, broken: false, owner: "hw" },
        { sbdf: "0000:02:00.0", kind: "device", physfn: null, broken: false, owner: null },
      ],
      stale: [],
      labelOf: (sbdf) => (sbdf === "0000:01:00.0" ? "p_pci_t" : null),
      denied: [],
    });
    expect(t.domains.map((d) => [d.name, d.platform, d.role, d.live])).toEqual([["hw", "p", "hwdom", true], ["other", null, "other", false]]);
    expect(t.devices.map((d) => [d.sbdf, d.platform, d.label])).toEqual([["0000:01:00.0", "p", "p_pci_t"], ["0000:02:00.0", null, null]]);
    expect(topologyDot(t)).toContain('  "0000:02:00.0" [shape=ellipse, label="0000:02:00.0\\ndevice\\nunlabeled"];');
  });

  describe("event channels (examples/xen-flask/split-drivers.json)", () => {
    const dot = async (until: number) => {
      const r = await xsm("simulate", split, "--until", String(until), "--dot");
      expect(r.code).toBe(0);
      return r.stdout;
    };
    const edges = (d: string) => d.split("\n").filter((l) => l.includes("evtchn ") || l.includes('label="unbound '));

    it("after step 17: each interdomain pair once, labelled with both ports and both ends' types; unbound ports one mark per domain", async () => {
      const d = await dot(17);
      golden("split-drivers.until17.dot", d);
      expect(edges(d)).toEqual([
        '  "dom0" -> "web" [dir=both, arrowhead=dot, arrowtail=dot, color=blue, fontcolor=blue, label="evtchn dom0:1 <-> web:1\\ndom0_t_channel | domU_t_channel"];',
        '  "xenstore" -> "shop" [dir=both, arrowhead=dot, arrowtail=dot, color=blue, fontcolor=blue, label="evtchn xenstore:1 <-> shop:1\\nxenstore_t_channel | domU_t_channel"];',
        '  "web" -> "db" [dir=both, arrowhead=dot, arrowtail=dot, color=blue, fontcolor=blue, label="evtchn web:2 <-> db:1\\ndomU_t_channel"];',
        '  "vault" -> "unbound vault" [style=dashed, arrowhead=none, color=blue, fontcolor=blue, label="unbound 1 for dom0\\nisolated_domU_t_channel"];',
        '  "shop" -> "unbound shop" [style=dashed, arrowhead=none, color=blue, fontcolor=blue, label="unbound 2 for dom0\\ndomU_t_channel"];',
      ]);
    });

    it("a created domain's xenstore and console channels make one compact mark until one is bound", async () => {
      expect(edges(await dot(16))).toContain('  "shop" -> "unbound shop" [style=dashed, arrowhead=none, color=blue, fontcolor=blue, label="unbound 1 for xenstore, 2 for dom0\\ndomU_t_channel"];');
    });

    it("a step's denied channel operation is red; a closed channel is gone, its peer's end left unbound; a dead domain's channels go with it", async () => {
      expect(await dot(13)).toContain('  "vault" -> "web" [color=red, fontcolor=red, penwidth=2, label="denied bind (step 13)"];');
      const closed = edges(await dot(18));
      expect(closed.some((l) => l.includes('"dom0" -> "web"'))).toBe(false);
      expect(closed).toContain('  "dom0" -> "unbound dom0" [style=dashed, arrowhead=none, color=blue, fontcolor=blue, label="unbound 1 for web\\ndom0_t_channel"];');
      const dead = edges(await dot(20));
      expect(dead.some((l) => l.includes('"db"'))).toBe(false);
      expect(dead).toContain('  "web" -> "unbound web" [style=dashed, arrowhead=none, color=blue, fontcolor=blue, label="unbound 2 for db\\ndomU_t_channel"];');
    });
  });
});
