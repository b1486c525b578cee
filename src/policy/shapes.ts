// V8 keeps the hidden class (map) an object reaches by adding its fields, one transition per
// field, only while some object still has it. A compile's transient objects (the scanner, the
// line map, the parse tree's names, the resolver's state) all die once it is done, and the next
// full GC then drops their maps and deoptimises every function TurboFan compiled against them
// (`node --trace-deopt`: "reason: weak objects"). So each later compile in the same process (the
// language server, the studio, a benchmark) ran those functions unoptimised again, as if cold.
// Holding one small instance of each such class keeps its maps, and the optimised code, alive.
const kept: object[] = [];

/** Keeps `sample` alive for the life of the process (so its class's hidden classes stay); returns it. */
export function keepShape<T extends object>(sample: T): T {
  kept.push(sample);
  return sample;
}
