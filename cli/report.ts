/**
 * Prints diagnostics in the formats of `reloadctl validate --format text|json|github`. File names
 * and messages come from the user's files (messages quote manifest values), so text and GitHub
 * output show their control characters escaped; JSON output escapes them by being JSON.
 */
import type { ManifestDiagnostic } from '../core/diagnostics';
import { escapeControlCharacters } from '../core/terminalText';

export type OutputFormat = 'text' | 'json' | 'github';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'github'];

export interface FileReport {
  file: string;
  diagnostics: ManifestDiagnostic[];
}

export function formatText(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  const counts = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const { file, diagnostics } of reports) {
    for (const d of diagnostics) {
      counts[d.severity]++;
      lines.push(`${escapeControlCharacters(file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${escapeControlCharacters(d.message)}`);
    }
  }
  if (reports.length === 0) return '';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const files = plural(reports.length, 'file');
  lines.push(
    counts.error + counts.warning + counts.information + counts.hint === 0
      ? `${files} valid`
      : `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}${counts.information ? `, ${counts.information} info` : ''} in ${files}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One JSON document: an array with one `{file, diagnostics}` entry per file. */
export function formatJson(reports: readonly FileReport[]): string {
  const shape = ({ severity, code, message, range, pointer }: ManifestDiagnostic): Omit<ManifestDiagnostic, 'tags' | 'data'> => ({ severity, code, message, range, pointer });
  return `${JSON.stringify(reports.map(({ file, diagnostics }) => ({ file, diagnostics: diagnostics.map(shape) })), null, 2)}\n`;
}

/**
 * A workflow command's message: '%', CR and LF percent-encoded as the runner decodes them, then
 * every other control character escaped, so no input can end the line and start a command of its own.
 */
const escapeData = (s: string): string => escapeControlCharacters(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions workflow commands: annotations on the pull request's files. */
export function formatGithub(reports: readonly FileReport[]): string {
  const command = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' } as const;
  const lines: string[] = [];
  for (const { file, diagnostics } of reports) {
    for (const d of diagnostics) {
      const props = [
        `file=${escapeProperty(file)}`,
        `line=${d.range.start.line + 1}`,
        `col=${d.range.start.character + 1}`,
        `endLine=${d.range.end.line + 1}`,
        `endColumn=${d.range.end.character + 1}`,
        `title=${escapeProperty(d.code)}`,
      ];
      lines.push(`::${command[d.severity]} ${props.join(',')}::${escapeData(d.message)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function formatReports(format: OutputFormat, reports: readonly FileReport[]): string {
  return format === 'json' ? formatJson(reports) : format === 'github' ? formatGithub(reports) : formatText(reports);
}
