/** A cursor over TLS wire bytes: big-endian integers and length-prefixed vectors, bounds-checked. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u24(): number {
    this.need(3);
    const value = this.buffer.readUIntBE(this.offset, 3);
    this.offset += 3;
    return value;
  }

  bytes(length: number): Buffer {
    this.need(length);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** A vector whose length is given by the next 1, 2 or 3 bytes. */
  vector(lengthBytes: 1 | 2 | 3): Buffer {
    const length = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return this.bytes(length);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  private need(length: number): void {
    if (this.offset + length > this.buffer.length) {
      throw new RangeError(`truncated TLS data: wanted ${length} bytes at offset ${this.offset}`);
    }
  }
}
