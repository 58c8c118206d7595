/** Prompt templates: `{{name}}` placeholders filled from a prompt's arguments. */

export interface Placeholder {
  name: string;
  /** Offset and length of the whole `{{ … }}` in the template. */
  offset: number;
  length: number;
}

export interface TemplateProblem {
  message: string;
  offset: number;
  length: number;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const ARGUMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(template: string): { placeholders: Placeholder[]; problems: TemplateProblem[] } {
  const placeholders: Placeholder[] = [];
  const problems: TemplateProblem[] = [];
  const covered: [number, number][] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const offset = match.index ?? 0;
    const name = match[1].trim();
    covered.push([offset, offset + match[0].length]);
    if (ARGUMENT_NAME.test(name)) {
      placeholders.push({ name, offset, length: match[0].length });
    } else {
      problems.push({ message: `"${match[0]}" is not a placeholder: write {{argument_name}} with letters, digits and '_'.`, offset, length: match[0].length });
    }
  }
  // `covered` is in text order and without overlaps, so one pass over both finds an uncovered "{{".
  let next = 0;
  for (let i = template.indexOf('{{'); i >= 0; i = template.indexOf('{{', i + 2)) {
    while (next < covered.length && covered[next][1] <= i) next++;
    if (next >= covered.length || i < covered[next][0]) {
      problems.push({ message: 'Unclosed "{{": close the placeholder with "}}".', offset: i, length: 2 });
      break;
    }
  }
  return { placeholders, problems };
}

/** Fills placeholders; a missing argument is an error the caller reports. */
export function renderTemplate(template: string, args: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, inner: string) => {
    const name = inner.trim();
    if (!ARGUMENT_NAME.test(name)) return whole;
    if (!Object.prototype.hasOwnProperty.call(args, name)) throw new Error(`missing argument "${name}"`);
    return args[name];
  });
}
