// The web globals StarlingMonkey (componentize-js) and Node both provide, which the SDK uses.
declare class TextEncoder {
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare function btoa(data: string): string;
