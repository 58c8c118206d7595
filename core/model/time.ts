/** RFC 3339 timestamps (`metadata.expires`), read strictly: an impossible date is not a date. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Epoch ms of a UTC date and time; unlike Date.UTC, years 0-99 are not taken as 1900-1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

/**
 * Epoch milliseconds of an RFC 3339 time, or NaN when the text is not one or names an impossible
 * moment (month 13, day 45, hour 99…). `Date.parse` is not used: it accepts other shapes and some
 * engines roll impossible dates over. A leap second (:60) counts as the next second.
 */
export function parseRfc3339(text: string): number {
  const match = RFC3339.exec(text);
  if (!match) return NaN;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] === undefined ? 0 : Number(match[7]) * 1000;
  const sign = match[8] === '-' ? -1 : 1;
  const offsetHours = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinutes = match[10] === undefined ? 0 : Number(match[10]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return NaN;
  const local = utc(year, month, day, hour, minute, second) + fraction;
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}
