/** Running a step as a span: measured, with its error recorded on it, and ended exactly once. */
import { SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { errorTypeOf, messageOf, ReloadStepError } from '../errors';
import { contextWith } from './recorder';

export interface StepScope {
  span: Span;
  /** Context for child spans of this step. */
  context: Context;
}

export async function inSpan<T>(tracer: Tracer, name: string, parent: Context, attributes: Attributes, run: (scope: StepScope) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  let context: Context | undefined;
  try {
    // The child context is built only for steps that start children: most are leaves.
    const result = await run({
      span,
      get context() {
        return (context ??= contextWith(span, parent));
      },
    });
    span.setStatus({ code: SpanStatusCode.OK });
    return result;
  } catch (error) {
    if (isCancellation(error)) markCancelled(span, error);
    else markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** A step stopped because another one failed (atomic mode) is not a failure of its own. */
function isCancellation(error: unknown): boolean {
  return error instanceof ReloadStepError && error.type === 'StagingCancelled';
}

function markCancelled(span: Span, error: unknown): void {
  span.setAttribute('reload.cancelled', true);
  span.addEvent('cancelled', { 'reload.cancel.reason': messageOf(error) });
}

export function markFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
  span.setAttribute('error.type', errorTypeOf(error));
  if (error instanceof ReloadStepError && error.pointer !== undefined) span.setAttribute('reload.manifest.pointer', error.pointer);
  span.addEvent('exception', { 'exception.type': errorTypeOf(error), 'exception.message': messageOf(error) });
}
