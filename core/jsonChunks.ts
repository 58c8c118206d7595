/**
 * Pretty-printed JSON written in pieces, for documents too large to exist as one string (a
 * 200 MB trace converted to Chrome JSON passes V8's maximum string length). A document is plain
 * JSON values plus `JsonArrayStream`s: arrays whose items are produced only as they are written.
 * The text is exactly `JSON.stringify(document, null, 2)` with each stream replaced by its items.
 */

/** An array written item by item: its items are made while writing and dropped after. */
export class JsonArrayStream {
  constructor(readonly items: () => Iterable<unknown>) {}
}

/** A JSON array of `map` applied to each of `items`, made one at a time while writing. */
export function streamedArray<T>(items: Iterable<T>, map: (item: T) => unknown): JsonArrayStream {
  return new JsonArrayStream(function* () {
    for (const item of items) yield map(item);
  });
}

const INDENT = '  ';

/** Whether a stream sits anywhere inside `value`; an explicit stack, as values may nest deeply. */
function holdsStream(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const at = stack.pop();
    if (at instanceof JsonArrayStream) return true;
    if (at === null || typeof at !== 'object') continue;
    for (const child of Array.isArray(at) ? at : Object.values(at)) {
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return false;
}

/** `JSON.stringify(value, null, 2)` placed at `indent`: its inner lines shifted right. JSON strings hold no raw newline. */
function placed(text: string, indent: string): string {
  return indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
}

/** Items of a stream or an array as JSON.stringify writes them: [] when empty, else one per line. */
function* itemChunks(items: Iterable<unknown>, indent: string): Generator<string> {
  const inner = indent + INDENT;
  let first = true;
  for (const item of items) {
    yield first ? `[\n${inner}` : `,\n${inner}`;
    first = false;
    // As in JSON.stringify, array items that have no JSON form are written as null.
    const chunks = valueChunks(item, inner);
    let empty = true;
    for (const chunk of chunks) {
      empty = false;
      yield chunk;
    }
    if (empty) yield 'null';
  }
  yield first ? '[]' : `\n${indent}]`;
}

/** The chunks of `value`, or none when JSON has no form for it (undefined, a function). */
function* valueChunks(value: unknown, indent: string): Generator<string> {
  if (value instanceof JsonArrayStream) {
    yield* itemChunks(value.items(), indent);
    return;
  }
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function' || !holdsStream(value)) {
    const text = JSON.stringify(value, null, 2) as string | undefined;
    if (text !== undefined) yield placed(text, indent);
    return;
  }
  if (Array.isArray(value)) {
    yield* itemChunks(value, indent);
    return;
  }
  const inner = indent + INDENT;
  let first = true;
  for (const [key, child] of Object.entries(value)) {
    let opened = false;
    for (const chunk of valueChunks(child, inner)) {
      if (!opened) {
        yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
        first = false;
        opened = true;
      }
      yield chunk;
    }
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** The pretty JSON text of `document` (as `JSON.stringify(document, null, 2)`), in chunks. */
export function prettyJsonChunks(document: unknown): Iterable<string> {
  return valueChunks(document, '');
}

/** The text of a JSON file or a command's JSON output: the pretty JSON of `document` and a newline. */
export function* prettyJsonText(document: unknown): Generator<string> {
  yield* valueChunks(document, '');
  yield '\n';
}
