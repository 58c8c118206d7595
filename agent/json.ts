/** Request bodies as JSON, with a nesting limit checked on the bytes before JSON.parse builds anything. */

/**
 * Whether the JSON text nests deeper than `max` arrays/objects. A linear scan of the bytes (strings
 * skipped), stopping at the first level past `max`: JSON.parse would take seconds and much memory
 * on megabytes of `[[[[…` before any check on the value could run.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
