// The part of the WebAssembly JS API that src/features/fft.ts uses. Node 20 has it at run
// time, but @types/node 20 does not declare it (and the DOM lib would bring much else).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}
