// validatetrans and mlsvalidatetrans: relabel questions answered as libsepol's
// sepol_validate_transition answers them (committed answers, scripts/gen-validatetrans-fixtures.ts),
// from the source and from checkpolicy's binary; and the security server's
// security_validate_transition (services.c): its return codes and the line Xen prints.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBinary } from "../../src/binary/load.js";
import { compilePolicy } from "../../src/policy/index.js";
import { SecurityServer } from "../../src/xsm/security.js";
import type { RelabelAnswer, RelabelQuery } from "../oracle/validatetrans-policy.js";
import { relabelAnswer } from "./relabel.js";

const root = join(import.meta.dirname, "../..");
const dir = join(root, "test/fixtures/validatetrans");
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));
const json = <T>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
const shape = (a: RelabelAnswer) => (a.error !== undefined ? "refused" : a.allowed ? "allowed" : "denied");

describe("relabel questions = libsepol's sepol_validate_transition (committed answers)", () => {
  it.each(names)("%s, from the source and from checkpolicy's binary", (name) => {
    const mls = name.startsWith("mls-");
    const queries = json<RelabelQuery[]>(join(dir, `${name}.queries.json`));
    const want = json<RelabelAnswer[]>(join(dir, `${name}.answers.json`)).map(shape);
    expect(want.filter((a) => a === "denied").length).toBeGreaterThan(10);
    const source = compilePolicy(readFileSync(join(dir, `${name}.conf`), "utf8"), { file: `${name}.conf`, mls });
    const binary = loadBinary(new Uint8Array(readFileSync(join(dir, `${name}.bin`))), `${name}.bin`).policy;
    expect(queries.map((q) => shape(relabelAnswer(source, q)))).toEqual(want);
    expect(queries.map((q) => shape(relabelAnswer(binary, q)))).toEqual(want);
  });
});

const POLICY = `class xen
class domain
class resource
sid xen
sid dom0
sid device
class xen { settime }
class domain { create }
class resource { add plug }
sensitivity s0;
sensitivity s1;
dominance { s0 s1 }
category c0;
level s0:c0;
level s1:c0;
mlsvalidatetrans domain ( l1 == l2 or t3 == dom0_t );
type xen_t;
type dom0_t;
type guest_t;
type nic_t;
allow dom0_t guest_t:domain create;
role system_r;
role system_r types { xen_t dom0_t guest_t nic_t };
user system_u roles { system_r } level s0 range s0 - s1:c0;
validatetrans domain ( u1 == u2 );
validatetrans resource ( t1 == t2 or r3 != system_r );
sid xen system_u:system_r:xen_t:s0
sid dom0 system_u:system_r:dom0_t:s0 - s1:c0
sid device system_u:object_r:nic_t:s0
`;

describe("SecurityServer.validateTransition: services.c security_validate_transition", () => {
  const policy = compilePolicy(POLICY, { file: "relabel.conf", mls: true });
  const built = SecurityServer.build(policy);
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  const ss = built.value.server;
  const sid = (text: string) => {
    const r = ss.sidtab.contextToSid(text);
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  const domain = policy.classId("domain");
  const resource = policy.classId("resource");
  const guestS0 = sid("system_u:system_r:guest_t:s0");
  const guestS1 = sid("system_u:system_r:guest_t:s1");
  const guestTask = sid("system_u:system_r:guest_t:s0");
  const dom0 = sid("system_u:system_r:dom0_t:s0-s1:c0");

  it("every validatetrans of the class holds: 0, nothing logged", () => {
    expect(ss.validateTransition(guestS0, guestS0, guestTask, domain, true)).toEqual({ rc: 0 });
    // the MLS one fails on levels but its `or t3 == dom0_t` lets the task dom0_t through
    expect(ss.validateTransition(guestS0, guestS1, dom0, domain, true)).toEqual({ rc: 0 });
  });

  it("a failing one: -EPERM enforcing, 0 permissive, Xen's line either way", () => {
    const line = "security_validate_transition:  denied for oldcontext=system_u:system_r:guest_t:s0 newcontext=system_u:system_r:guest_t:s1 taskcontext=system_u:system_r:guest_t:s0 tclass=domain";
    expect(ss.validateTransition(guestS0, guestS1, guestTask, domain, true)).toEqual({ rc: "-EPERM", log: line, rule: "mlsvalidatetrans domain ( l1 == l2 or t3 == dom0_t );" });
    expect(ss.validateTransition(guestS0, guestS1, guestTask, domain, false)).toMatchObject({ rc: 0, log: line });
  });

  it("u3/r3/t3 name the task; a class without validatetrans allows every relabel", () => {
    const nicS0 = sid("system_u:object_r:nic_t:s0");
    // resource: t1 == t2 or r3 != system_r; a system_r task relabelling guest_t to nic_t is refused
    expect(ss.validateTransition(guestS0, nicS0, guestTask, resource, true).rc).toBe("-EPERM");
    expect(ss.validateTransition(nicS0, nicS0, guestTask, resource, true).rc).toBe(0);
    expect(ss.validateTransition(guestS0, nicS0, guestTask, policy.classId("xen"), true).rc).toBe(0);
  });

  it("an unknown class or SID is -EINVAL with Xen's words (class numbers from 1)", () => {
    expect(ss.validateTransition(guestS0, guestS0, guestTask, 3, true)).toEqual({ rc: "-EINVAL", log: "security_validate_transition: unrecognized class 4" });
    expect(ss.validateTransition(guestS0, 9999, guestTask, domain, true)).toEqual({ rc: "-EINVAL", log: "security_validate_transition:  unrecognized SID 9999" });
  });

  it("the binary's lists give the same answers", async () => {
    const { compileBinary } = await import("../../src/binary/compile.js");
    const fromBinary = loadBinary(compileBinary(POLICY, { mls: true }).bytes, "relabel.bin").policy;
    const c = (text: string) => {
      const r = fromBinary.parseContext(text);
      if (!r.ok) throw new Error(r.error);
      return r.value;
    };
    const failed = fromBinary.validateTransition(c("system_u:system_r:guest_t:s0"), c("system_u:system_r:guest_t:s1"), c("system_u:system_r:guest_t:s0"), fromBinary.classId("domain"));
    // a binary's listing names the class's list entry, not the source line
    expect(failed?.text).toBe("validatetrans domain (validatetrans 1)");
    expect(fromBinary.validateTransition(c("system_u:system_r:guest_t:s0"), c("system_u:system_r:guest_t:s1"), c("system_u:system_r:dom0_t:s0"), fromBinary.classId("domain"))).toBeUndefined();
  });
});
