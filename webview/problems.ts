/**
 * The "Errors" section: the failed spans first, then rollbacks and cancellations, each a button
 * that selects the span. A trace with thousands of failures lists the first MAX_PROBLEMS and
 * offers the `status:error` filter for the rest.
 */
import { button, el } from './dom';
import { cut } from './format';
import { FLAG_ERROR, FLAG_ROLLBACK, type TimelineModel } from './model';

export const MAX_PROBLEMS = 100;

export interface ProblemActions {
  select(span: number): void;
  filter(text: string): void;
}

function describe(model: TimelineModel, span: number): { mark: string; text: string; className: string } {
  const data = model.spans[span];
  const flags = model.flags[span];
  if (flags & FLAG_ERROR) {
    const reason = data.statusMessage ?? data.attributes?.['error.type'];
    return { mark: '✗', text: reason !== undefined ? `${model.labels[span]}: ${cut(String(reason), 200)}` : model.labels[span], className: 'error' };
  }
  return { mark: flags & FLAG_ROLLBACK ? '↺' : '⊘', text: `${model.labels[span]} (${flags & FLAG_ROLLBACK ? 'rollback' : 'cancelled'})`, className: 'rollback' };
}

function summary(model: TimelineModel): string {
  const others = model.problems.length - model.errorCount;
  const parts = [`${model.errorCount} failed`];
  if (others > 0) parts.push(`${others} rolled back or cancelled`);
  return parts.join(' · ');
}

export function renderProblems(section: HTMLElement, model: TimelineModel | undefined, actions: ProblemActions): void {
  if (!model || model.problems.length === 0) {
    section.hidden = true;
    section.replaceChildren();
    return;
  }
  const list = el('ol');
  for (const span of model.problems.subarray(0, MAX_PROBLEMS)) {
    const { mark, text, className } = describe(model, span);
    list.append(el('li', {}, button(`${mark} ${text}`, () => actions.select(span), { className, attrs: { title: text } })));
  }
  const content: HTMLElement[] = [el('h2', { attrs: { id: 'problems-heading' }, text: `Errors (${summary(model)})` }), list];
  if (model.problems.length > MAX_PROBLEMS) {
    content.push(
      el('p', { className: 'more' }, `${model.problems.length - MAX_PROBLEMS} more not listed. `, button('Filter the tree to failed spans', () => actions.filter('status:error'), { className: 'filter-errors' })),
    );
  }
  section.replaceChildren(...content);
  section.hidden = false;
}
