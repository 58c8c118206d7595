/**
 * The search box: words match the shown name ("reload.load model:sentiment", any case),
 * `status:error` / `status:ok` / `status:unset` the status, `attr:key=value` or `key=value` an
 * attribute's value exactly (any element of an array), `attr:key` that the attribute is there.
 * Every term must match. Quotes keep spaces: `"reload.load model"`, `attr:error.type="Digest Mismatch"`.
 */
import type { AttributeValue } from '../common/timelineProtocol';
import type { TimelineModel } from './model';

export interface Query {
  words: string[];
  status?: 0 | 1 | 2;
  attributes: { key: string; value?: string }[];
}

export interface ParsedQuery {
  /** Undefined when the text has no terms (no filter). */
  query?: Query;
  /** Terms that could not be read, said for the user. */
  problems: string[];
}

const STATUS: Record<string, 0 | 1 | 2> = { error: 2, failed: 2, ok: 1, unset: 0 };

const unquote = (text: string): string => text.replace(/"/g, '');

export function parseQuery(text: string): ParsedQuery {
  const query: Query = { words: [], attributes: [] };
  const problems: string[] = [];
  for (const term of text.match(/(?:[^\s"]+|"[^"]*"?)+/g) ?? []) {
    const lower = term.toLowerCase();
    if (lower.startsWith('status:')) {
      const status = STATUS[unquote(lower.slice('status:'.length))];
      if (status === undefined) problems.push(`${term}: status is error, ok or unset`);
      else if (query.status !== undefined && query.status !== status) problems.push(`${term}: only one status can match`);
      else query.status = status;
      continue;
    }
    const attribute = lower.startsWith('attr:') ? term.slice('attr:'.length) : term.indexOf('=') > 0 ? term : undefined;
    if (attribute === undefined) {
      const word = unquote(lower);
      if (word !== '') query.words.push(word);
      continue;
    }
    const equals = attribute.indexOf('=');
    const key = unquote(equals === -1 ? attribute : attribute.slice(0, equals));
    if (key === '') problems.push(`${term}: no attribute name`);
    else query.attributes.push(equals === -1 ? { key } : { key, value: unquote(attribute.slice(equals + 1)) });
  }
  const empty = query.words.length === 0 && query.attributes.length === 0 && query.status === undefined;
  return { ...(empty ? {} : { query }), problems };
}

function valueMatches(value: AttributeValue | undefined, wanted: string | undefined): boolean {
  if (value === undefined) return false;
  if (wanted === undefined) return true;
  if (Array.isArray(value)) return value.some((item) => String(item) === wanted);
  return String(value) === wanted;
}

/** Bits of `FilterResult.bits`. */
export const SHOWN = 1;
export const MATCH = 2;
/** At least one child is shown (the row can expand). */
export const SHOWN_CHILD = 4;

export interface FilterResult {
  /** Per span: SHOWN (a match or an ancestor of one), MATCH, SHOWN_CHILD. */
  bits: Uint8Array;
  matches: number;
  /** Position among shown siblings and their number, for ARIA while the filter is on. */
  siblingPos: Int32Array;
  siblingCount: Int32Array;
}

function matchesSpan(model: TimelineModel, lowerLabels: readonly string[], i: number, query: Query): boolean {
  const span = model.spans[i];
  if (query.status !== undefined && span.status !== query.status) return false;
  for (const word of query.words) if (!lowerLabels[i].includes(word)) return false;
  const attributes = span.attributes ?? {};
  for (const { key, value } of query.attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key) || !valueMatches(attributes[key], value)) return false;
  }
  return true;
}

/** The spans a query shows: its matches and their ancestors. Two linear passes (children come after their parents). */
export function runQuery(model: TimelineModel, lowerLabels: readonly string[], query: Query): FilterResult {
  const { count, parent } = model;
  const bits = new Uint8Array(count);
  let matches = 0;
  for (let i = count - 1; i >= 0; i--) {
    if (matchesSpan(model, lowerLabels, i, query)) {
      bits[i] |= MATCH | SHOWN;
      matches++;
    }
    const p = parent[i];
    if (p !== -1 && bits[i] & SHOWN) bits[p] |= SHOWN | SHOWN_CHILD;
  }
  const siblingPos = new Int32Array(count);
  const siblingCount = new Int32Array(count);
  const shownChildren = new Int32Array(count);
  let roots = 0;
  for (let i = 0; i < count; i++) {
    if (bits[i] & SHOWN) siblingPos[i] = parent[i] === -1 ? ++roots : ++shownChildren[parent[i]];
  }
  for (let i = 0; i < count; i++) {
    if (bits[i] & SHOWN) siblingCount[i] = parent[i] === -1 ? roots : shownChildren[parent[i]];
  }
  return { bits, matches, siblingPos, siblingCount };
}
