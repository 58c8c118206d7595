/**
 * Feature flags, evaluated the way flagd does: a DISABLED flag is absent; otherwise the targeting
 * rule (JsonLogic) names a variant, or the default variant is served.
 */

export interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string;
  targeting?: unknown;
}

export type FlagEvaluation =
  | { found: true; variant: string; value: unknown; reason: 'STATIC' | 'TARGETING_MATCH' | 'DEFAULT' }
  | { found: false; reason: 'FLAG_NOT_FOUND' | 'DISABLED' };

export function evaluateFlag(flag: FlagDefinition | undefined, context: Record<string, unknown> = {}): FlagEvaluation {
  if (!flag) return { found: false, reason: 'FLAG_NOT_FOUND' };
  if (flag.state === 'DISABLED') return { found: false, reason: 'DISABLED' };
  if (flag.targeting !== undefined && Object.keys(flag.targeting as object).length > 0) {
    const variant = jsonLogic(flag.targeting, context);
    if (typeof variant === 'string' && Object.prototype.hasOwnProperty.call(flag.variants, variant)) {
      return { found: true, variant, value: flag.variants[variant], reason: 'TARGETING_MATCH' };
    }
    return { found: true, variant: flag.defaultVariant, value: flag.variants[flag.defaultVariant], reason: 'DEFAULT' };
  }
  return { found: true, variant: flag.defaultVariant, value: flag.variants[flag.defaultVariant], reason: 'STATIC' };
}

function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function lookup(context: Record<string, unknown>, path: string): unknown {
  let node: unknown = context;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The JsonLogic operations flag rules use; an unknown operation evaluates to null (no match). */
export function jsonLogic(rule: unknown, data: Record<string, unknown>): unknown {
  if (Array.isArray(rule)) return rule.map((r) => jsonLogic(r, data));
  if (rule === null || typeof rule !== 'object') return rule;
  const [op] = Object.keys(rule);
  const raw = (rule as Record<string, unknown>)[op];
  const args = Array.isArray(raw) ? raw : [raw];
  const value = (i: number): unknown => jsonLogic(args[i], data);
  switch (op) {
    case 'var': {
      const path = value(0);
      const found = path === '' || path === undefined ? data : lookup(data, String(path));
      return found === undefined ? (args.length > 1 ? value(1) : null) : found;
    }
    case 'if':
    case '?:':
      for (let i = 0; i + 1 < args.length; i += 2) if (truthy(value(i))) return value(i + 1);
      return args.length % 2 === 1 ? value(args.length - 1) : null;
    case '==':
      // eslint-disable-next-line eqeqeq -- JsonLogic's == is loose equality by definition
      return value(0) == value(1);
    case '===':
      return value(0) === value(1);
    case '!=':
      // eslint-disable-next-line eqeqeq -- JsonLogic's != is loose inequality by definition
      return value(0) != value(1);
    case '!==':
      return value(0) !== value(1);
    case '!':
      return !truthy(value(0));
    case 'and': {
      let last: unknown = true;
      for (let i = 0; i < args.length; i++) if (!truthy((last = value(i)))) return last;
      return last;
    }
    case 'or': {
      let last: unknown = false;
      for (let i = 0; i < args.length; i++) if (truthy((last = value(i)))) return last;
      return last;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const [a, b] = [Number(value(0)), Number(value(1))];
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
    case 'in': {
      const [needle, haystack] = [value(0), value(1)];
      if (typeof haystack === 'string') return haystack.includes(String(needle));
      return Array.isArray(haystack) && haystack.includes(needle);
    }
    case 'starts_with':
      return String(value(0)).startsWith(String(value(1)));
    case 'ends_with':
      return String(value(0)).endsWith(String(value(1)));
    default:
      return null;
  }
}
