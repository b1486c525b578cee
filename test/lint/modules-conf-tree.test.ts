// xsm lint on a policy tree whose modules.conf the Makefile reads otherwise than it looks: the
// module-switch findings at its lines (and at a module file it does not list), first, before what
// the policy then fails or warns on; suppressed by a comment as every lint finding is. Needs GNU m4.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";

interface Finding { code: string; message: string; file: string; line: number; column: number }

describe.skipIf(!hasM4)("xsm lint: a tree's modules.conf (needs GNU m4)", () => {
  let dir = "";
  const conf = () => join(dir, "modules/modules.conf");
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "xsm-modules-conf-"));
    cpSync("examples/xen-flask", dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lint = async (...more: string[]) => {
    const r = await xsm("lint", "--format", "json", dir, ...more);
    return { code: r.code, found: (JSON.parse(r.stdout) as { diagnostics: Finding[] }).diagnostics };
  };

  it("examples/xen-flask as it is: no module-switch finding", async () => {
    const r = await xsm("lint", "--format", "json", "examples/xen-flask");
    expect((JSON.parse(r.stdout) as { diagnostics: Finding[] }).diagnostics.filter((d) => d.code === "module-switch")).toEqual([]);
  });

  it("a glued switch, a capital, a wrong word and a repeat: said at their lines, before the errors they cause", async () => {
    const original = readFileSync(conf(), "utf8");
    writeFileSync(
      conf(),
      original
        .replace(/^nomigrate = on$/m, "nomigrate=on")
        .replace(/^nic_dev = on$/m, "Nic_dev = on")
        .replace(/^debug_guest = off$/m, "debug_guest = yes\nxenstore = off"),
    );
    writeFileSync(join(dir, "modules/extra.te"), "# a module nobody listed\n");
    const { code, found } = await lint();
    // nic_dev_t is gone with its module: device_contexts' labels fail to compile
    expect(code).toBe(1);
    const lines = original.split("\n");
    const lineOf = (text: string) => lines.indexOf(text) + 1;
    const switches = found.filter((d) => d.code === "module-switch").map((d) => `${d.file.slice(dir.length + 1)}:${d.line} ${d.message}`);
    expect(switches).toEqual([
      `modules/modules.conf:${lineOf("nomigrate = on")} \`nomigrate=on\` is not three words to the Makefile's awk, which splits on blanks, so it is no switch: module \`nomigrate\` is off; write \`nomigrate = on\``,
      `modules/modules.conf:${lineOf("nic_dev = on")} the Makefile reads only lines starting with a lowercase letter, so it skips this line: module \`Nic_dev\` is neither on nor off, and is left out`,
      `modules/modules.conf:${lineOf("debug_guest = off")} the Makefile takes a module as on only when the line's third word is \`on\`, and here it is \`yes\`, so module \`debug_guest\` is off`,
      `modules/modules.conf:${lineOf("debug_guest = off") + 1} module \`xenstore\` is switched off here and on at line ${lineOf("xenstore = on")}: the Makefile takes it as on (any line that says so)`,
      "modules/extra.te:1 module `extra` is not in modules/modules.conf, so the Makefile leaves it out: add `extra = on` there (or `extra = off`, to say so)",
    ]);
    // the findings come first: the cause before the errors it makes
    expect(found.slice(0, 5).every((d) => d.code === "module-switch")).toBe(true);
    expect(found.slice(5).some((d) => /type nic_dev_t is not defined/.test(d.message))).toBe(true);

    // suppressed as any lint finding: a comment on the line, or a whole file's
    writeFileSync(conf(), readFileSync(conf(), "utf8").replace("Nic_dev = on", "Nic_dev = on   # xsm-lint: disable=module-switch"));
    writeFileSync(join(dir, "modules/extra.te"), "# xsm-lint: disable-file=module-switch\n");
    const after = (await lint()).found.filter((d) => d.code === "module-switch");
    expect(after.map((d) => d.message.slice(0, 40))).toEqual(switches.filter((s) => !/Nic_dev|extra/.test(s)).map((s) => s.slice(s.indexOf(" ") + 1, s.indexOf(" ") + 41)));
  });
});
