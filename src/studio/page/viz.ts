// Graphviz compiled to WebAssembly (@viz-js/viz): DOT in, an <svg> element out. One instance,
// made on first use (it compiles the module once).
import { instance, type Viz } from "@viz-js/viz";

let viz: Promise<Viz> | undefined;

export async function renderSvg(dot: string): Promise<SVGSVGElement> {
  viz ??= instance();
  return (await viz).renderSVGElement(dot);
}
