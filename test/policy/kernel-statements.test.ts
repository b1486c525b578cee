// typebounds, role_transition, role attributes and the class defaults, against checkpolicy 3.4's verdicts
// (test/fixtures/kernel-statements/checkpolicy-accepts.json) and its binaries: an accepted policy
// compiles to checkpolicy's bytes, a refused one is refused with located errors, the bounds check
// (libsepol bounds_check_types/roles/users) included.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";

const dir = join(import.meta.dirname, "../fixtures/kernel-statements");
const verdicts = JSON.parse(readFileSync(join(dir, "checkpolicy-accepts.json"), "utf8")) as Record<string, boolean>;
const confs = readdirSync(dir).filter((f) => f.endsWith(".conf"));

function compile(name: string) {
  return compileBinary(readFileSync(join(dir, name), "utf8"), { file: name });
}

describe("kernel statements as checkpolicy takes them", () => {
  it("covers every fixture", () => {
    expect(Object.keys(verdicts).sort()).toEqual([...confs].sort());
  });

  it.each(confs.filter((c) => verdicts[c]))("%s: accepted, checkpolicy's bytes", (name) => {
    const want = new Uint8Array(readFileSync(join(dir, name.replace(/\.conf$/, ".bin"))));
    expect(Buffer.compare(compile(name).bytes, want)).toBe(0);
  });

  it.each(confs.filter((c) => !verdicts[c]))("%s: refused with a located error", (name) => {
    let diagnostics: PolicyError["diagnostics"] = [];
    try {
      compile(name);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      diagnostics = err.diagnostics;
    }
    const errors = diagnostics.filter((d) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    const expected = name.startsWith("bounds-")
      ? "bounds"
      : name.startsWith("roletrans-duplicate")
        ? "role-transition-conflict"
        : name.startsWith("default-")
          ? "default-conflict"
          : name.startsWith("roleattr-context-")
            ? "invalid-context"
            : "undeclared";
    expect(errors.map((d) => d.code)).toContain(expected);
    // roles and users have no declaration span in the symbols; everything else points at its text
    if (!/dotted-(role|user)/.test(name)) expect(errors.every((d) => d.span !== undefined)).toBe(true);
  });

  it("names the rule that exceeds the parent, as libsepol's bounds_report does", () => {
    try {
      compile("bounds-attr-child-only.conf");
      expect.unreachable();
    } catch (err) {
      const d = (err as PolicyError).diagnostics[0]!;
      expect(d.message).toBe("child type d2_t exceeds bounds of parent xen_t in 1 rule(s) (libsepol bounds_check_types)");
      expect(d.notes?.[0]?.message).toBe("allow d2_t dom0_t:xen { b }, which xen_t is not allowed, granted by this rule");
      expect(d.notes?.[0]?.span?.line).toBe(20); // allow at dom0_t:xen b; (d2_t has attribute at)
    }
  });
});
