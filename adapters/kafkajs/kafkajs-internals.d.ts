/** kafkajs's request queue, internal and untyped; request-queue-timer.ts patches one method of it. */
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: { new (opts: Record<string, unknown>): unknown; prototype: object };
  export default RequestQueue;
}

/** kafkajs's protocol decoder, internal and untyped; record-longs.ts replaces its varlong read. */
declare module 'kafkajs/src/protocol/decoder.js' {
  const Decoder: { new (buffer: Uint8Array): { offset: number; readVarLong(): { toString(): string } }; prototype: object };
  export default Decoder;
}

/** kafkajs's BigInt-backed 64-bit integer, internal and untyped; record-longs.ts remembers its string parses. */
declare module 'kafkajs/src/utils/long.js' {
  class Long {
    constructor(value: bigint);
    readonly value: bigint;
    static fromString(s: string): Long;
    static fromNumber(n: number): Long;
    static fromValue(v: unknown): Long;
    add(other: Long | number | string): Long;
    toString(): string;
  }
  export default Long;
}

/** kafkajs's protocol encoder and record batch codecs, internal and untyped: record-longs.test.ts writes batches with them. */
declare module 'kafkajs/src/protocol/encoder.js' {
  const Encoder: { new (): { writeVarLong(v: unknown): any; writeInt32(v: number): any; buffer: Buffer } };
  export default Encoder;
}
declare module 'kafkajs/src/protocol/recordBatch/v0/index.js' {
  const codec: { RecordBatch: (opts: Record<string, unknown>) => Promise<{ buffer: Buffer }> };
  export default codec;
}
declare module 'kafkajs/src/protocol/recordBatch/record/v0/index.js' {
  const Record: (opts: Record<string, unknown>) => unknown;
  export default Record;
}
declare module 'kafkajs/src/protocol/recordBatch/v0/decoder.js' {
  const decodeRecordBatch: (decoder: unknown) => Promise<{ records: any[] }>;
  export default decodeRecordBatch;
}
