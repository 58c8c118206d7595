/**
 * What a span is about, shown after its name wherever spans are listed (the terminal timeline, the
 * timeline webview): the change it works on, a probe's id and change, the session or manifest.
 */
import type { AttributeValue } from './model';

/**
 * The subject of a span named `name` with `attributes`, or undefined when it has none. Each piece
 * taken from the attributes goes through `text` (the terminal cuts and escapes them).
 */
export function spanSubject(name: string, attributes: Readonly<Record<string, AttributeValue>>, text: (value: AttributeValue) => string = String): string | undefined {
  if (name === 'reload.probe') return `${text(attributes['reload.probe.id'] ?? '')} → ${text(attributes['reload.change.ref'] ?? '')}`;
  const detail = attributes['reload.change.ref'] ?? attributes['reload.session.id'] ?? attributes['reload.manifest.name'];
  return detail !== undefined ? text(detail) : undefined;
}
