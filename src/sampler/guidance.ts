/**
 * Classifier-free guidance (Ho & Salimans 2022) on the film condition only:
 * ε = ε_uncond + w · (ε_cond − ε_uncond). w = 1 is the conditional model alone; w = 0 ignores
 * the film. Written into `cond`.
 */
export function guide(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  for (let i = 0; i < cond.length; i++) cond[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return cond;
}
