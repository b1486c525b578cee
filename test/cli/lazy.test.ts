// Commands are loaded lazily (src/cli/main.ts): `xsm --help` lists placeholders whose usage and
// summary must be what the real command says, and main.ts must not import a command statically
// (that would load it, and everything it imports, on every start).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { xsm } from "./run.js";

const main = readFileSync("src/cli/main.ts", "utf8");
const commands = [...main.matchAll(/\{ name: "(\w+)", usage: "([^"]*)", summary: "((?:[^"\\]|\\.)*)", load: async \(\) => \(await import\("\.\/([\w-]+)\.js"\)\)/g)].map(
  ([, name, usage, summary, module]) => ({ name, usage, summary, module }),
);

describe("lazy commands", () => {
  it("are all found in main.ts", () => {
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(["compile", "check", "simulate"]));
  });

  it("are never imported statically by main.ts", () => {
    for (const c of commands) expect(main).not.toMatch(new RegExp(`^import [^;]*"\\./${c.module}\\.js"`, "m"));
  });

  it.each(commands.map((c) => [c.name, c] as const))("%s: the placeholder says what the real command says", async (name, c) => {
    const real = await xsm("help", name!);
    expect(real.code).toBe(0);
    const [usageLine, description] = real.stdout.split("\n\n");
    expect(usageLine).toBe(`Usage: xsm ${name} ${c.usage}`);
    expect(description!.replace(/\n/g, " ")).toBe(JSON.parse(`"${c.summary}"`)); // help wraps long lines
  });
});
