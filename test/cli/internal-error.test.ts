// A bug in xsm (an exception that is not a user error) is reported as one line, exit 70, with the
// stack trace only under XSM_DEBUG=1.
import { afterEach, describe, expect, it, vi } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

// (loadPolicy calls compile; compilePolicy too, for whichever command calls it)
vi.mock("../../src/policy/index.js", () => {
  const bug = () => {
    throw new TypeError("cannot read properties of undefined (reading 'span')");
  };
  return { compile: bug, compilePolicy: bug };
});

afterEach(() => {
  delete process.env.XSM_DEBUG;
});

describe("an internal error", () => {
  it("is one line and a hint, exit 70, no stack trace", async () => {
    const r = await xsm("compile", "test/fixtures/cli/small.conf");
    expect(r.code).toBe(70);
    expect(r.stderr).toContain("xsm: internal error: cannot read properties of undefined (reading 'span')");
    expect(r.stderr).toContain("XSM_DEBUG=1");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("shows its stack trace under XSM_DEBUG=1", async () => {
    process.env.XSM_DEBUG = "1";
    const r = await xsm("compile", "test/fixtures/cli/small.conf");
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(STACK_LINE);
  });
});
