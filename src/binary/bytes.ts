// Little-endian packed encoding of a binary policy (libsepol's put_entry / next_entry): a growing
// writer, and a reader whose every read is bounds-checked so a truncated or hostile file ends in
// one BinaryFormatError naming the offset, never a RangeError or an allocation it cannot justify.

/** A binary policy that cannot be read: what was wrong and where (byte offset, section). */
export class BinaryFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** Xen's own log line for the same refusal, when Xen's reader would print one. */
    readonly xenLog?: string,
  ) {
    super(message);
    this.name = "BinaryFormatError";
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();
const latin = new TextDecoder("utf-8", { fatal: false });

/** A symbol name's bytes (names are ASCII in practice; UTF-8 keeps any other byte-exact). */
export function nameBytes(name: string): Uint8Array {
  return utf8.encode(name);
}

export class ByteReader {
  offset = 0;
  private readonly view: DataView;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  /** Fails unless `n` more bytes exist (next_entry's truncation check). */
  need(n: number, what: string): void {
    if (n > this.remaining) throw new BinaryFormatError(`truncated ${what}: needs ${n} bytes, ${this.remaining} left`, this.offset);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A name of `len` bytes. */
  string(len: number, what: string): string {
    this.need(len, what);
    const s = latin.decode(this.data.subarray(this.offset, this.offset + len));
    this.offset += len;
    return s;
  }

  /** A count of records that each take at least `minBytes`: a count the rest of the file cannot
   *  hold is refused before anything is allocated for it. */
  count(what: string, minBytes: number): number {
    const at = this.offset;
    const n = this.u32(`${what} count`);
    if (n * minBytes > this.remaining) {
      throw new BinaryFormatError(`${what}: count ${n} cannot fit in the ${this.remaining} bytes left`, at);
    }
    return n;
  }

  fail(message: string, at = this.offset, xenLog?: string): never {
    throw new BinaryFormatError(message, at, xenLog);
  }
}
