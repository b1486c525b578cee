// Unknown names in a query: the error names what was asked for and suggests the nearest known
// name (edit distance), as a user mistyping `gvp1_pci` for `gvp1_pci_t` needs.
import { didYouMean } from "../diagnostics/suggest.js";
import type { Symbols } from "../policy/symbols.js";

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

/** A query's regular expression (sesearch's -rs/-rt/-rc...): a bad one is the query's error. */
export function queryRegex(pattern: string, option: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new QueryError(`invalid regular expression '${pattern}': ${(err as Error).message}`, option);
  }
}

/** sesearch's -c: the classes a rule may name, as a test of a class id (the list joined as one
 *  regular expression with -rc, as setools does); undefined when none is given. */
export function classMatcher(sym: Symbols, classes: readonly string[] | undefined, isRegex: boolean): ((c: number) => boolean) | undefined {
  if (!classes?.length) return undefined;
  if (isRegex) {
    const re = queryRegex(classes.join(","), "-c");
    return (c) => re.test(sym.classes[c]!.name);
  }
  const ids = new Set(
    classes.map((n) => {
      const id = sym.classIds.get(n);
      if (id === undefined) throw unknownName("class", n, sym.classIds.keys(), "-c");
      return id;
    }),
  );
  return (c) => ids.has(c);
}
