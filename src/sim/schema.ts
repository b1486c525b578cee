// The scenario JSON schema as an object, for library users (editors, other validators). xsm itself
// validates with the code scripts/build-validator.mjs compiled from the same file.
import { readFileSync } from "node:fs";

export const SCENARIO_SCHEMA: object = JSON.parse(readFileSync(new URL("./scenario.schema.json", import.meta.url), "utf8"));
