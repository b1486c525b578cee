#!/usr/bin/env node
// `xsm`: runs src/cli/main.ts through tsx's loader, so a checkout works after `npm ci` with no build.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import(new URL("../src/cli/main.ts", import.meta.url).href);

// a closed pipe (`xsm ... | head`) ends the output, not the process with a stack trace
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
