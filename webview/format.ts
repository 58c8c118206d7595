/** How times, sizes and attribute values read in the timeline. */
import type { AttributeValue } from '../common/timelineProtocol';

/** Three significant digits, as a profiler shows them: 850 µs, 12.4 ms, 1.23 s. */
function significant(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A duration or time offset in milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 0.001) return `${sign}${significant(abs * 1e6)} ns`;
  if (abs < 1) return `${sign}${significant(abs * 1000)} µs`;
  if (abs < 1000) return `${sign}${significant(abs)} ms`;
  return `${sign}${significant(abs / 1000)} s`;
}

/** A point on the trace's time axis, from its start: "+12.4 ms". */
export const formatOffset = (ms: number): string => `+${formatDuration(ms)}`;

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${bytes < 0 ? '−' : ''}${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** Attributes that count bytes (`artifact.size`, `reload.memory.rss_before`…): shown with a readable size beside the number. */
const isByteCount = (key: string): boolean => key.endsWith('.size') || key.startsWith('reload.memory.');

export function formatAttribute(key: string, value: AttributeValue): string {
  if (Array.isArray(value)) return `[${value.map((item) => (typeof item === 'string' ? JSON.stringify(item) : String(item))).join(', ')}]`;
  if (typeof value === 'number' && isByteCount(key) && Number.isFinite(value)) return `${value} (${formatBytes(value)})`;
  return String(value);
}

/** Text cut to `max` characters, saying how much was left out (a hostile trace may carry megabyte names). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
