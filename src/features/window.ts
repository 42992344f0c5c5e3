/**
 * Periodic Hann window of `length` (the STFT convention of torch.hann_window and
 * scipy.signal.get_window('hann', fftbins=True)), zero-padded symmetrically to `padTo`
 * as torch.stft does when win_length < n_fft.
 */
export function hannWindow(length: number, padTo = length): Float64Array {
  if (length > padTo) throw new RangeError(`window length ${length} exceeds frame size ${padTo}`);
  const w = new Float64Array(padTo);
  const offset = Math.floor((padTo - length) / 2);
  for (let i = 0; i < length; i++) w[offset + i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}
