// Unknown names in a query: the error names what was asked for and suggests the nearest known
// name (edit distance), as a user mistyping `gvp1_pci` for `gvp1_pci_t` needs.
import { didYouMean } from "../diagnostics/suggest.js";

/** A query names something the policy does not have; `option` says where (e.g. "-s", "/tests/3/source"). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super(option ? `${option}: ${message}` : message);
    this.name = "QueryError";
  }
}

/** "unknown type 'x' (did you mean 'y'?)" */
export function unknownName(what: string, name: string, known: Iterable<string>, option?: string): QueryError {
  return new QueryError(`unknown ${what} '${name}'${didYouMean(name, known)}`, option);
}
