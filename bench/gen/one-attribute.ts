// The policy that shows whether the compiler scales in types: N types all in one attribute and the
// single rule `allow attr attr:resource *;`. Expanded to type pairs it is N^2 entries; libsepol (and
// ours) keep it as one attribute entry and decide through each type's attributes.
import { fileURLToPath } from "node:url";

export function oneAttributePolicy(n: number): string {
  const lines = [`# bench/gen/one-attribute.ts: ${n} types in one attribute`, "class resource", "sid kernel", "class resource { use plug unplug }", "attribute attr;"];
  for (let i = 0; i < n; i++) lines.push(`type d${i}_t, attr;`);
  lines.push("allow attr attr:resource *;", "role r;", "role r types attr;", "user u roles { r };", "sid kernel u:r:d0_t");
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(oneAttributePolicy(Number(process.argv[2] ?? 1000)));
}
