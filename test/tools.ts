// Debian tools that some tests drive through xsm (GNU m4 for `xsm build` and the commands reading a
// policy tree). `npm test` passes on a machine with only Node: a test that needs a missing tool is
// skipped there, its name saying so. .ci/run installs the tools and runs those tests again with
// XSM_REQUIRE_M4=1 (`npm run test:m4`), where a missing m4 is an error rather than a skip.
import { spawnSync } from "node:child_process";

const m4Found = process.platform !== "win32" && spawnSync("m4", ["--version"]).status === 0;
if (!m4Found && process.env.XSM_REQUIRE_M4) throw new Error("XSM_REQUIRE_M4 is set but m4 is not installed (apt-get install m4)");

/** GNU m4 is on PATH. */
export const hasM4 = m4Found;
