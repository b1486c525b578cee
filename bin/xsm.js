#!/usr/bin/env node
// `node bin/xsm.js ...` as before: the command line is bin/xsm.cjs (package.json "bin"), which
// starts without node's ES module loader. (require, not import: importing a CommonJS file has the
// ES module loader scan it for its exports first.)
import { createRequire } from "node:module";

createRequire(import.meta.url)("./xsm.cjs");
