/**
 * Code lenses at the top of a current-version manifest: Dry Run, and Apply… · Rollback… only when
 * targets are configured (DESIGN.md §7): no lens promises what cannot run.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { DocumentState } from './documents';
import { CLIENT_COMMANDS } from '../common/protocol';

export function codeLenses(state: DocumentState, hasTargets: boolean): CodeLens[] {
  const format = state.validation().format;
  if (!format || format.legacy) return [];
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const uri = state.document.uri;
  const lenses: CodeLens[] = [{ range, command: { title: '▶ Dry Run', command: CLIENT_COMMANDS.dryRun, arguments: [uri] } }];
  if (hasTargets) {
    lenses.push(
      { range, command: { title: 'Apply…', command: CLIENT_COMMANDS.apply, arguments: [uri] } },
      { range, command: { title: 'Rollback…', command: CLIENT_COMMANDS.rollback, arguments: [uri] } },
    );
  }
  return lenses;
}
