/**
 * Tensor element types as a manifest can give values for them (JSON): what each accepts. One table
 * for the editor's probe checks and the runtime's feeds.
 */

/** JSON numbers are doubles: 64-bit integers are exact only within ±(2^53 − 1). */
const INTEGER_RANGES: Partial<Record<string, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32_768, 32_767],
  int32: [-2_147_483_648, 2_147_483_647],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65_535],
  uint32: [0, 4_294_967_295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};
const FLOAT_MAX: Partial<Record<string, number>> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };
export const KNOWN_DTYPES = new Set<string>(['float32', 'float16', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string']);

/** What a value of each supported element type must be, and how to say it. */
export function elementRule(dtype: string): { accepts: (value: unknown) => boolean; takes: string } | undefined {
  const range = INTEGER_RANGES[dtype];
  if (range) {
    const [min, max] = range;
    return { accepts: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max, takes: `integers from ${min} to ${max}` };
  }
  const limit = FLOAT_MAX[dtype];
  if (limit !== undefined) return { accepts: (v) => typeof v === 'number' && Math.abs(v) <= limit, takes: `finite numbers within ±${limit}` };
  if (dtype === 'bool') return { accepts: (v) => typeof v === 'boolean', takes: 'true or false' };
  if (dtype === 'string') return { accepts: (v) => typeof v === 'string', takes: 'strings' };
  return undefined;
}
