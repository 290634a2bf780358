// Types of the WIT imports (wit/connector.wit) as componentize-js binds them. Hand-written:
// records are objects with camelCase fields, variants `{ tag, val }`, s64/u64 `bigint`,
// options `T | undefined`.

declare module 'wasmconnect:connector/log@0.1.0' {
  export function log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

declare module 'wasmconnect:connector/connector-context@0.1.0' {
  export function requestTaskReconfiguration(): void;
  export function raiseError(message: string): void;
}

declare module 'wasmconnect:connector/offset-reader@0.1.0' {
  export type WitOffsetValue =
    | { tag: 'null' }
    | { tag: 'boolean'; val: boolean }
    | { tag: 'int64'; val: bigint }
    | { tag: 'float64'; val: number }
    | { tag: 'string'; val: string }
    | { tag: 'bytes'; val: Uint8Array };
  export type WitOffsetMap = [string, WitOffsetValue][];
  export function offsets(partitions: WitOffsetMap[]): (WitOffsetMap | undefined)[];
}

declare module 'wasmconnect:connector/sink-context@0.1.0' {
  export interface WitTopicPartition {
    topic: string;
    partition: number;
  }
  export interface WitPartitionOffset {
    topic: string;
    partition: number;
    offset: bigint;
  }
  export function pause(partitions: WitTopicPartition[]): void;
  export function resume(partitions: WitTopicPartition[]): void;
  export function resetOffsets(offsets: WitPartitionOffset[]): void;
  export function requestCommit(): void;
  export function report(record: WitPartitionOffset, error: string): void;
}

declare module 'wasi:filesystem/preopens@0.2.12' {
  export interface Descriptor {
    openAt(
      pathFlags: { symlinkFollow?: boolean },
      path: string,
      openFlags: { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean },
      flags: { read?: boolean; write?: boolean },
    ): Descriptor;
    stat(): { size: bigint };
    write(buffer: Uint8Array, offset: bigint): bigint;
    read(length: bigint, offset: bigint): [Uint8Array, boolean];
    syncData(): void;
  }
  export function getDirectories(): [Descriptor, string][];
}
