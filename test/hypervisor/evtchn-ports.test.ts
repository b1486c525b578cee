// Event channels between domains (src/hypervisor/evtchn.ts, common/event_channel.c): one port table per
// domain shared with bind_pirq's channels; EVTCHNOP_alloc_unbound, bind_interdomain, send, close,
// status and reset with their XSM hooks as dummy.h and flask/hooks.c have them, on the Xen-style
// policy of examples/xen-flask (create_channel / domain_comms: type_transition T domain_type:event
// T_channel, and vm_role.cons's constraint on event bind).
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const POLICY = readFileSync(new URL("../../examples/xen-flask/policy.conf", import.meta.url), "utf8");
const compiled = compilePolicy(POLICY, { file: "policy.conf" });
const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const g1: Domain = { domid: 1, name: "g1", context: "user_1:vm_r:domU_t", control: false, hardware: false };
const g1b: Domain = { domid: 2, name: "g1b", context: "user_1:vm_r:domU_t", control: false, hardware: false };
const g2: Domain = { domid: 3, name: "g2", context: "user_2:vm_r:domU_t", control: false, hardware: false };
const iso: Domain = { domid: 4, name: "iso", context: "system_u:system_r:isolated_domU_t", control: false, hardware: false };
const ALL = [dom0, g1, g1b, g2, iso];

function setup(module: "flask" | "dummy", maxPort?: number) {
  const xsm = module === "dummy" ? createXsm({ module: "dummy" }) : createXsm({ module: "flask", policy: compiled });
  const why: string[] = [];
  const log: string[] = [];
  const checks: XsmCheck[] = [];
  xsm.onCheck = (c) => checks.push(c);
  for (const d of ALL) xsm.module.domainStarted(d);
  const io = new IoCaps(xsm.module, {
    iommu: "intremap",
    log: (l) => log.push(l),
    why: (w) => why.push(w),
    ownerOf: () => 1,
    ...(maxPort !== undefined ? { maxEvtchnPort: () => maxPort } : {}),
  });
  return { io, ev: io.evtchn, why, log, checks };
}

const asked = (checks: XsmCheck[]) => checks.map((c) => (c.label !== undefined ? `${c.hook} label ${c.label}` : `${c.hook} ${c.scontext?.split(":")[2] ?? c.action} -> ${c.tcontext?.split(":")[2] ?? ""} ${c.perm ?? ""} ${c.allowed ? "allowed" : "denied"}`.trim()));

describe("EVTCHNOP_alloc_unbound and bind_interdomain", () => {
  it("dummy: a domain makes its own channels (XSM_TARGET), a privileged one anybody's; the remote is not looked up; binding is XSM_HOOK", () => {
    const { ev, checks } = setup("dummy");
    expect(ev.allocUnbound(g1, g1, 0, dom0)).toEqual({ rc: 0, port: 1 });
    expect(ev.allocUnbound(g1, g2, 1, g1).rc).toBe("-EPERM"); // not g2's device model, not privileged
    expect(ev.allocUnbound(dom0, g2, 9, undefined)).toEqual({ rc: 0, port: 1 }); // domain 9 does not exist: Xen does not care
    expect(ev.report(3)).toEqual([{ port: 1, state: "unbound", remote: 9 }]);
    checks.length = 0;
    expect(ev.bindInterdomain(dom0, g1, 1)).toEqual({ rc: 0, port: 1 });
    expect(checks.map((c) => `${c.xen} ${c.action}`)).toEqual(["xsm_evtchn_interdomain XSM_HOOK"]);
    expect(ev.report(0)).toEqual([{ port: 1, state: "interdomain", remote: 1, remotePort: 1, pending: true }]);
    expect(ev.report(1)).toEqual([{ port: 1, state: "interdomain", remote: 0, remotePort: 1 }]);
  });

  it("flask labels the channel by type_transition on class event and asks create, bind, and on binding the reverse bind", () => {
    const { ev, checks } = setup("flask");
    expect(ev.allocUnbound(g1, g1, 0, dom0)).toEqual({ rc: 0, port: 1 });
    expect(asked(checks)).toEqual(["evtchn_unbound label user_1:object_r:domU_t_channel", "evtchn_unbound domU_t -> domU_t_channel create allowed", "evtchn_unbound domU_t_channel -> dom0_t bind allowed"]);
    checks.length = 0;
    expect(ev.bindInterdomain(dom0, g1, 1)).toEqual({ rc: 0, port: 1 });
    expect(asked(checks)).toEqual([
      "evtchn_interdomain label system_u:object_r:dom0_t_channel",
      "evtchn_interdomain dom0_t -> dom0_t_channel create allowed",
      "evtchn_interdomain dom0_t_channel -> domU_t bind allowed",
      "evtchn_interdomain domU_t_channel -> dom0_t bind allowed",
    ]);
    expect(ev.report(0)).toEqual([{ port: 1, state: "interdomain", remote: 1, remotePort: 1, label: "system_u:object_r:dom0_t_channel", pending: true }]);
    expect(ev.report(1)).toEqual([{ port: 1, state: "interdomain", remote: 0, remotePort: 1, label: "user_1:object_r:domU_t_channel" }]);
  });

  it("flask: guests of different users may not bind (vm_role.cons), an isolated guest not to a domU, a guest not in dom0's table; the remote must exist (-EPERM)", () => {
    const { ev, checks } = setup("flask");
    expect(ev.allocUnbound(g1, g1, 3, g2).rc).toBe("-EACCES");
    expect(checks.at(-1)).toMatchObject({ perm: "bind", allowed: false });
    expect(ev.allocUnbound(g1, g1, 2, g1b)).toEqual({ rc: 0, port: 1 }); // same user
    expect(ev.allocUnbound(iso, iso, 1, g1).rc).toBe("-EACCES");
    expect(ev.allocUnbound(g1, dom0, 1, g1).rc).toBe("-EACCES"); // domU_t -> dom0_t_channel create
    expect(ev.allocUnbound(g1, g1, 9, undefined).rc).toBe("-EPERM");
    expect(checks.at(-1)?.error).toMatch(/no domain 9/);
    expect(ev.report(1)).toEqual([{ port: 1, state: "unbound", remote: 2, label: "user_1:object_r:domU_t_channel" }]);
    expect(ev.report(0)).toBeUndefined();
    expect(ev.report(4)).toBeUndefined();
  });

  it("a bind needs a valid port of the remote, unbound and offered to the caller (-EINVAL, before XSM)", () => {
    const { ev, checks, log } = setup("flask");
    ev.allocUnbound(g1, g1, 0, dom0);
    checks.length = 0;
    expect(ev.bindInterdomain(g1b, g1, 1).rc).toBe("-EINVAL"); // offered to dom0
    expect(ev.bindInterdomain(dom0, g1, 2).rc).toBe("-EINVAL"); // free
    expect(ev.bindInterdomain(dom0, g1, 0).rc).toBe("-EINVAL"); // reserved
    expect(ev.bindInterdomain(dom0, g1, 64).rc).toBe("-EINVAL"); // not valid: the first bucket is 64 ports
    expect(checks).toEqual([]);
    expect(log.at(-1)).toBe("EVTCHNOP failure: d1, error -22");
    expect(ev.bindInterdomain(dom0, g1, 1).rc).toBe(0);
    expect(ev.bindInterdomain(dom0, g1, 1).rc).toBe("-EINVAL"); // interdomain now
  });

  it("ports run out at max_evtchn_port (-ENOSPC); bind_pirq's channels share the table", () => {
    const { io, ev } = setup("dummy", 2);
    expect(io.mapPirq(dom0, g1, { gsi: 33 }, 33).rc).toBe(0);
    expect(io.bindPirq(g1, 33, false)).toEqual({ rc: 0, port: 1 });
    expect(ev.allocUnbound(g1, g1, 0, dom0)).toEqual({ rc: 0, port: 2 });
    expect(ev.allocUnbound(g1, g1, 0, dom0).rc).toBe("-ENOSPC");
    expect(io.mapPirq(dom0, g1, { gsi: 34 }, 34).rc).toBe(0);
    expect(io.bindPirq(g1, 34, false).rc).toBe("-ENOSPC");
    expect(io.state(g1).evtchns).toEqual([{ pirq: 33, port: 1 }]);
    expect(ev.close(g1, 1)).toBe(0);
    expect(io.bindPirq(g1, 34, false)).toEqual({ rc: 0, port: 1 });
    expect(ev.status(g1, g1, 1)).toEqual({ rc: 0, status: { status: "pirq", pirq: 34, vcpu: 0 } });
  });
});

describe("EVTCHNOP_send, close, status, reset", () => {
  it("send marks the peer's port pending (flask: event:send on the channel); unbound drops it; other states are unknown to flask (-EPERM) and -EINVAL to Xen", () => {
    const f = setup("flask");
    f.ev.allocUnbound(g1, g1, 0, dom0);
    f.ev.allocUnbound(g1, g1, 0, dom0);
    f.ev.bindInterdomain(dom0, g1, 1);
    f.checks.length = 0;
    expect(f.ev.send(g1, 1)).toBe(0);
    expect(asked(f.checks)).toEqual(["evtchn_send domU_t -> domU_t_channel send allowed"]);
    expect(f.ev.report(0)?.[0]?.pending).toBe(true);
    f.checks.length = 0;
    expect(f.ev.send(g1, 2)).toBe(0); // unbound: dropped, nothing asked
    expect(f.checks).toEqual([]);
    expect(f.ev.send(g1, 3)).toBe("-EPERM"); // free: avc_unknown_permission
    expect(f.checks.at(-1)?.error).toMatch(/^FLASK: Denying unknown event channel state: 0\./);
    expect(f.ev.send(g1, 64)).toBe("-EINVAL");
    const d = setup("dummy");
    expect(d.ev.send(g1, 3)).toBe("-EINVAL");
  });

  it("closing an interdomain channel frees it (unlabelled) and offers the peer's back to the closer; the peer may bind it again", () => {
    const { ev } = setup("flask");
    ev.allocUnbound(g1, g1, 0, dom0);
    ev.bindInterdomain(dom0, g1, 1);
    expect(ev.close(dom0, 1)).toBe(0);
    expect(ev.report(0)).toBeUndefined();
    expect(ev.report(1)).toEqual([{ port: 1, state: "unbound", remote: 0, label: "user_1:object_r:domU_t_channel" }]);
    expect(ev.close(dom0, 1)).toBe("-EINVAL");
    expect(ev.close(dom0, 0)).toBe("-EINVAL");
    expect(ev.bindInterdomain(dom0, g1, 1)).toEqual({ rc: 0, port: 1 });
  });

  it("status: flask asks the channel's own domain (event:status), not the caller; dummy XSM_TARGET", () => {
    const f = setup("flask");
    f.ev.allocUnbound(g1, g1, 0, dom0);
    f.checks.length = 0;
    expect(f.ev.status(g1b, g1, 1)).toEqual({ rc: 0, status: { status: "unbound", dom: 0, vcpu: 0 } });
    expect(asked(f.checks)).toEqual(["evtchn_status domU_t -> domU_t_channel status allowed"]);
    // a free port is unlabeled (flask_alloc_security_evtchns): the policy does not let domU_t ask about it
    expect(f.ev.status(dom0, g1, 5).rc).toBe("-EACCES");
    expect(asked(f.checks).at(-1)).toBe("evtchn_status domU_t -> unlabeled_t status denied");
    expect(f.ev.status(dom0, g1, 64).rc).toBe("-EINVAL");
    const d = setup("dummy");
    d.ev.allocUnbound(g1, g1, 0, dom0);
    expect(d.ev.status(g1b, g1, 1).rc).toBe("-EPERM");
    expect(d.ev.status(dom0, g1, 1).rc).toBe(0);
    expect(d.ev.status(dom0, g1, 5)).toEqual({ rc: 0, status: { status: "closed", vcpu: 0 } });
  });

  it("reset: XSM, then only the caller's own channels (no pause modelled: -EINVAL); every port closed", () => {
    const { ev } = setup("dummy");
    ev.allocUnbound(g1, g1, 0, dom0);
    ev.allocUnbound(g1, g1, 2, g1b);
    ev.bindInterdomain(dom0, g1, 1);
    expect(ev.reset(g1b, g1)).toBe("-EPERM");
    expect(ev.reset(dom0, g1)).toBe("-EINVAL");
    expect(ev.reset(g1, g1)).toBe(0);
    expect(ev.report(1)).toBeUndefined();
    // the peer's pending bit (set at bind) survives: evtchn_close clears only the freed port's
    expect(ev.report(0)).toEqual([{ port: 1, state: "unbound", remote: 1, pending: true }]);
  });

  it("a dying domain's channels close: its peers' become unbound, offered to its domid", () => {
    const { io, ev } = setup("dummy");
    ev.allocUnbound(g1, g1, 2, g1b);
    ev.bindInterdomain(g1b, g1, 1);
    io.removeDomain(g1b);
    expect(ev.report(1)).toEqual([{ port: 1, state: "unbound", remote: 2 }]);
    expect(ev.report(2)).toBeUndefined();
    expect(ev.bindInterdomain(g1b, g1, 1)).toEqual({ rc: 0, port: 1 }); // a new domain with that domid
  });
});

describe("event channels (property)", () => {
  const dom = fc.constantFrom(...ALL);
  const port = fc.integer({ min: 0, max: 4 });
  const call = fc.oneof(
    fc.record({ k: fc.constant("alloc"), cur: dom, d: dom, remote: fc.constantFrom(...ALL, undefined) }),
    fc.record({ k: fc.constant("bind"), cur: dom, rd: dom, port }),
    fc.record({ k: fc.constant("send"), cur: dom, port }),
    fc.record({ k: fc.constant("close"), cur: dom, port }),
    fc.record({ k: fc.constant("status"), cur: dom, d: dom, port }),
    fc.record({ k: fc.constant("reset"), cur: dom, d: dom }),
    fc.record({ k: fc.constant("pirq"), d: dom }),
    fc.record({ k: fc.constant("die"), d: dom }),
  );
  type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;

  it.each(["dummy", "flask"] as const)("%s: a failed call changes no channel; interdomain channels always pair up", (module) => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 30 }), (calls) => {
        const { io, ev } = setup(module, 3);
        const snapshot = () => JSON.stringify(ALL.map((x) => [ev.report(x.domid), io.state(x).evtchns]));
        for (const c of calls as Call[]) {
          const before = snapshot();
          let rc: string | 0 = 0;
          switch (c.k) {
            case "alloc":
              rc = ev.allocUnbound(c.cur, c.d, c.remote?.domid ?? 9, c.remote).rc;
              break;
            case "bind":
              rc = ev.bindInterdomain(c.cur, c.rd, c.port).rc;
              break;
            case "send":
              rc = ev.send(c.cur, c.port);
              break;
            case "close":
              rc = ev.close(c.cur, c.port);
              break;
            case "status":
              rc = ev.status(c.cur, c.d, c.port).rc;
              break;
            case "reset":
              rc = ev.reset(c.cur, c.d);
              break;
            case "pirq":
              io.mapPirq(dom0, c.d, { gsi: 33 }, 33);
              rc = io.bindPirq(c.d, 33, true).rc;
              break;
            case "die":
              io.removeDomain(c.d);
              break;
          }
          if (rc !== 0 && !(c.k === "reset" && rc === "-EAGAIN")) expect(snapshot(), `${c.k} ${rc}`).toBe(before);
          for (const d of ALL) {
            for (const ch of ev.report(d.domid) ?? []) {
              if (ch.state !== "interdomain") continue;
              const peer = ev.report(ch.remote!)?.find((x) => x.port === ch.remotePort);
              expect(peer, `d${d.domid}:${ch.port}`).toMatchObject({ state: "interdomain", remote: d.domid, remotePort: ch.port });
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
