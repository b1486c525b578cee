// examples/xen-flask/split-drivers.json: event channels between domains on Xen's policy
// (EVTCHNOP_alloc_unbound, bind_interdomain, send, close, status, reset; the channels libxl makes
// for a new guest; a dying guest's channels). Every AVC question it asks is decided as
// oracle-decide decided it (test/fixtures/xen-flask/split-drivers.oracle.json, from
// scripts/gen-scenario-oracle.ts). UPDATE_GOLDEN=1 rewrites the trace.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/split-drivers.json"));

describe("examples/xen-flask/split-drivers.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/split-drivers.oracle.json"), 20);

  it("labels each channel by its type_transition on class event", () => {
    const labels = r.steps.flatMap((s) => s.decisions.filter((d) => d.labels === "channel").map((d) => `${s.step} ${d.label} ${d.labelRule}`));
    expect(labels).toContain("1 user_1:object_r:domU_t_channel type_transition domU_t domain_type:event domU_t_channel;");
    expect(labels).toContain("2 system_u:object_r:dom0_t_channel type_transition dom0_t domain_type:event dom0_t_channel;");
    expect(labels).toContain("17 system_u:object_r:xenstore_t_channel type_transition xenstore_t domain_type:event xenstore_t_channel;");
  });

  it("close, send to an unbound port and a refusal before XSM ask nothing; status asks the channel's own domain", () => {
    for (const n of [11, 15, 18, 19, 23]) expect(r.steps[n - 1]!.decisions.filter((d) => d.label === undefined), `step ${n}`).toEqual([]);
    expect(r.steps[5]!.decisions.map((d) => `${d.scontext} ${d.perm}`)).toEqual(["user_1:vm_r:domU_t status"]);
  });

  it("prints the trace with ports, statuses and channels; --json has them", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("2. dom0 evtchn_bind_interdomain web port 1  => rc 0, port 1");
    expect(out.stdout).toContain("21. web evtchn_status port 2  => rc 0, status unbound dom 3");
    golden("split-drivers.trace.txt", out.stdout);
    const doc = JSON.parse((await xsm("simulate", example, "--json", "--until", "5")).stdout);
    expect(doc.steps.at(-1)).toMatchObject({ op: "evtchn_status", port: 1, rc: 0, status: { status: "interdomain", dom: 0, port: 1, vcpu: 0 } });
    expect(doc.state.domains.find((d: { name: string }) => d.name === "dom0").io.channels).toEqual([
      { port: 1, state: "interdomain", remote: 2, remotePort: 1, label: "system_u:object_r:dom0_t_channel", pending: true },
    ]);
  });

  it("under the dummy module the same calls follow dummy.h: a domain's own channels, anybody's for dom0, any remote", () => {
    const doc = JSON.parse(readFileSync(example, "utf8")) as { xsm: string; policy?: string; domains: { context?: string }[]; steps: { expect?: unknown }[] };
    doc.xsm = "dummy";
    delete doc.policy;
    for (const s of doc.steps) delete s.expect;
    const run = runPrepared(prepared(parseScenario(doc, join(root, "examples/xen-flask/dummy.json"))));
    const rc = (n: number) => run.steps[n - 1]!.rc;
    expect([rc(7), rc(8), rc(12), rc(13)]).toEqual([0, 0, "-EPERM", 0]); // no labels, no users; remote not looked up; XSM_TARGET
    expect([rc(22), rc(24), rc(25)]).toEqual(["-EINVAL", "-EINVAL", 0]); // a free port is Xen's -EINVAL; not paused; its own reset
  });
});

describe("the event channel steps' errors name their JSON path", () => {
  it("remote is a known domain, remote_port and port are required integers", () => {
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        domains: [{ name: "dom0", domid: 0, control: true, hardware: true }],
        steps: [
          { as: "dom0", op: "evtchn_alloc_unbound", remote: "nobody" },
          { as: "dom0", op: "evtchn_bind_interdomain", remote: "dom0" },
          { as: "dom0", op: "evtchn_send", port: "1" },
          { as: "dom0", op: "evtchn_status", domain: "ghost", port: 1 },
          { as: "dom0", op: "evtchn_reset", port: 1 },
          { as: "dom0", op: "evtchn_send", port: 1, expect: { resources: [{ domain: "dom0", channels: [{ port: 1, state: "bound", remote: "x" }] }] } },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      '/steps/0/remote: unknown domain "nobody"; expected one of dom0',
      "/steps/1/remote_port: missing; it is required here",
      '/steps/2/port: expected integer; got "1"',
      '/steps/3/domain: unknown domain "ghost"; expected one of dom0',
      "/steps/4/port: unknown property; expected one of op, as, note, expect, domain",
      '/steps/5/expect/resources/0/channels/0/state: expected one of "free", "unbound", "interdomain", "pirq"; got "bound"',
      '/steps/5/expect/resources/0/channels/0/remote: unknown domain "x"; expected one of dom0',
    ]);
  });
});
