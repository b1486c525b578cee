// commander's parser for the commands' --format option, apart from format.ts so that what writes
// diagnostics does not load commander (src/cli/main.ts runs plain compiles without it).
import { InvalidArgumentError } from "commander";
import { FORMATS, type OutputFormat } from "./format.js";

export type { OutputFormat };

/** commander's parser for --format: anything else is a usage error (exit 2). */
export function parseFormat(value: string): OutputFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new InvalidArgumentError(`expected one of ${FORMATS.join(", ")}`);
}
