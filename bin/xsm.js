#!/usr/bin/env node
// `node bin/xsm.js ...` as before: the command line is bin/xsm.cjs (package.json "bin"), which
// starts without node's ES module loader.
import "./xsm.cjs";
