// A set of inclusive integer ranges, kept sorted and merged: xen/common/rangeset.c, which holds a
// domain's I/O capabilities (d->irq_caps, d->iomem_caps, d->arch.ioport_caps).

export interface Range {
  /** First and last element, inclusive (rangeset.c's s and e). */
  readonly start: number;
  readonly end: number;
}

export class RangeSet {
  /** Disjoint, sorted by start, no two adjacent (rangeset_add merges neighbours). */
  private ranges: Range[] = [];

  /** rangeset_add_range(): every element of [start, end] is in the set afterwards. */
  add(start: number, end: number): void {
    const kept: Range[] = [];
    let s = start;
    let e = end;
    for (const r of this.ranges) {
      if (r.end + 1 < s || r.start > e + 1) kept.push(r);
      else (s = Math.min(s, r.start)), (e = Math.max(e, r.end));
    }
    kept.push({ start: s, end: e });
    this.ranges = kept.sort((a, b) => a.start - b.start);
  }

  /** rangeset_remove_range(): no element of [start, end] is in the set afterwards. */
  remove(start: number, end: number): void {
    const kept: Range[] = [];
    for (const r of this.ranges) {
      if (r.end < start || r.start > end) {
        kept.push(r);
        continue;
      }
      if (r.start < start) kept.push({ start: r.start, end: start - 1 });
      if (r.end > end) kept.push({ start: end + 1, end: r.end });
    }
    this.ranges = kept;
  }

  /** rangeset_contains_range(): every element of [start, end] is in the set. */
  containsRange(start: number, end: number): boolean {
    return this.ranges.some((r) => r.start <= start && end <= r.end);
  }

  /** rangeset_contains_singleton(). */
  has(value: number): boolean {
    return this.containsRange(value, value);
  }

  isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** The ranges, in order (what rangeset_printk prints). */
  list(): Range[] {
    return this.ranges.map((r) => ({ ...r }));
  }

  clone(): RangeSet {
    const copy = new RangeSet();
    copy.ranges = this.list();
    return copy;
  }

  equals(other: RangeSet): boolean {
    return this.ranges.length === other.ranges.length && this.ranges.every((r, i) => r.start === other.ranges[i]!.start && r.end === other.ranges[i]!.end);
  }

  /** rangeset_printk()'s form, numbers in `radix`: "{ 10-1f, 33 }" ("{ }" when empty). */
  toString(radix = 10): string {
    const n = (v: number) => v.toString(radix);
    return `{ ${this.ranges.map((r) => (r.start === r.end ? n(r.start) : `${n(r.start)}-${n(r.end)}`)).join(", ")}${this.ranges.length ? " " : ""}}`;
  }
}
