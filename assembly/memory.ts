// One bump allocator for the instance's linear memory: each JS wrapper (an FFT of one size, a
// resampling job) owns its own instance, allocates what it needs once, and drops the instance
// when done, so nothing is ever freed.
// Start past the module's static data (which sits from address 1024 on), so fresh scratch is
// zero-filled memory.
let heapTop: usize = (__heap_base + 15) & ~15;

function ensureMemory(end: usize): void {
  const need = <i32>((end + 65535) >> 16);
  const have = memory.size();
  if (need > have) memory.grow(need - have);
}

/** 16-byte-aligned scratch of `bytes` bytes; the memory grows as needed (JS views then renew). */
export function alloc(bytes: i32): usize {
  const at = heapTop;
  heapTop = (at + <usize>bytes + 15) & ~15;
  ensureMemory(heapTop);
  return at;
}
