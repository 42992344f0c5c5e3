// The WebAssembly DSP kernels (AssemblyScript), built by `npm run build` into
// dist/wasm/dsp.wasm and wrapped by src/features/wasm.ts.
export { alloc } from './memory';
export * from './fft';
export * from './resample';
export * from './griffin-lim';
export * from './nnls';
