/**
 * Polyphase FIR resampling of outputs [start, end) (see src/features/resample.ts, which builds
 * the kernels): output j = f·next + p is the dot product of phase p's kernel (a row of `grid`,
 * `stride` float32 taps, zero-padded to a multiple of 4) with the input from sample
 * f·orig − width + first[p] on. `input` holds the signal from sample `lo` on, zero outside
 * the signal and with `stride` samples of slack at the end, so the loop needs no edge cases.
 */
export function resampleRange(
  input: usize,
  lo: i32,
  grid: usize,
  first: usize,
  stride: i32,
  next: i32,
  orig: i32,
  width: i32,
  start: i32,
  end: i32,
  out: usize,
): void {
  let f = start / next;
  let p = start - f * next;
  for (let j = start; j < end; j++) {
    const s = f * orig - width + load<i32>(first + ((<usize>p) << 2)) - lo;
    const kp = grid + ((<usize>(p * stride)) << 2);
    const xp = input + ((<usize>s) << 2);
    let acc = f32x4.splat(0);
    for (let i = 0; i < stride; i += 4) {
      const o = (<usize>i) << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(kp + o), v128.load(xp + o)));
    }
    const sum =
      f32x4.extract_lane(acc, 0) +
      f32x4.extract_lane(acc, 1) +
      f32x4.extract_lane(acc, 2) +
      f32x4.extract_lane(acc, 3);
    store<f32>(out + ((<usize>(j - start)) << 2), sum);
    if (++p == next) {
      p = 0;
      f++;
    }
  }
}
