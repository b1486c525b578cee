// What the simulator's tests share: golden files under test/fixtures/sim/golden (UPDATE_GOLDEN=1
// rewrites them), a scratch directory removed after the file's tests, and loading a scenario that
// must load (a test's setup, not its subject: its errors are thrown rendered).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, expect, it } from "vitest";
import { formatScenarioErrors, loadScenario, type LoadResult } from "../../src/sim/load.js";
import { prepare, runPrepared, type Prepared, type RunResult } from "../../src/sim/run.js";

export const goldenDir = join(import.meta.dirname, "../fixtures/sim/golden");

/** `actual` must equal the golden file `name`; with UPDATE_GOLDEN set, it becomes the golden file. */
export function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

/** A fresh directory under the system's tmp, removed when the calling test file is done. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The prepared scenario of a load that must succeed. */
export function prepared(loaded: LoadResult): Prepared {
  if (!loaded.ok) throw new Error(formatScenarioErrors("scenario", loaded.error));
  const p = prepare(loaded.value);
  if (!p.ok) throw new Error(formatScenarioErrors(loaded.value.file, p.error));
  return p.value;
}

/** The expectations a run failed, one line each. */
export const failures = (r: RunResult): string[] =>
  r.steps.flatMap((s) => s.expect.filter((e) => !e.ok).map((e) => `step ${s.step} ${e.what}: expected ${e.expected}, got ${e.actual}`));

/** Runs an example scenario on Xen's policy and adds, to the calling describe, the two tests every
 *  such example has: it meets every expectation, each refusal says why and nothing failed half-way;
 *  and every AVC question it asks (at least `minAsked`) is decided as oracle-decide decided it
 *  (`oracleFile`, from scripts/gen-scenario-oracle.ts), which holds exactly those questions. Returns the run for the file's own tests. */
export function exampleOnXenPolicy(example: string, oracleFile: string, minAsked: number): RunResult {
  const oracle = new Map(
    (JSON.parse(readFileSync(oracleFile, "utf8")) as { query: Record<string, string>; answer: { allowed: boolean } }[]).map((o) => [
      `${o.query.scontext} ${o.query.tcontext} ${o.query.tclass} ${o.query.perm}`,
      o.answer.allowed,
    ]),
  );
  const r = runPrepared(prepared(loadScenario(example)));

  it("meets every expectation; each refusal says why; nothing failed half-way", () => {
    expect(failures(r)).toEqual([]);
    for (const s of r.steps.filter((x) => x.rc !== 0)) expect(s.why !== undefined || s.decisions.some((d) => !d.allowed), `step ${s.step}`).toBe(true);
    expect(r.summary.partial).toBe(0);
  });

  it("decides every AVC question as oracle-decide does on Xen's policy", () => {
    const asked = r.steps.flatMap((s) => s.decisions).filter((d) => d.perm !== undefined && d.scontext !== undefined && d.error === undefined);
    expect(asked.length).toBeGreaterThan(minAsked);
    const [ex, fixture] = [relative(process.cwd(), example), relative(process.cwd(), oracleFile)];
    const regenerate = `regenerate ${fixture}: npx tsx scripts/gen-scenario-oracle.ts ${ex} ${fixture}`;
    const askedKeys = new Set<string>();
    for (const d of asked) {
      // one AVC question of several permissions is allowed when the oracle allows each
      const keys = d.perm!.split(" ").map((perm) => `${d.scontext} ${d.tcontext} ${d.tclass} ${perm}`);
      for (const key of keys) {
        expect(oracle.has(key), `${key} is not in the fixture: ${regenerate}`).toBe(true);
        askedKeys.add(key);
      }
      expect(d.allowed, keys.join(" & ")).toBe(keys.every((key) => oracle.get(key)));
    }
    // exactly the questions the run asks: an entry no run asks is a stale fixture, which only the
    // live test:oracle would otherwise catch
    const stale = [...oracle.keys()].filter((key) => !askedKeys.has(key));
    expect(stale, `the fixture holds questions the run no longer asks: ${regenerate}`).toEqual([]);
  });
  return r;
}
