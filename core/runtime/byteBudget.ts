/** A budget of bytes shared by concurrent work: `take` waits, first come first served, until the bytes fit. */
import { cancellationOf } from '../errors';

interface Waiter {
  bytes: number;
  grant(): void;
}

export class ByteBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly capacity: number) {}

  /** Bytes taken and not yet given back. */
  get inUse(): number {
    return this.used;
  }

  /**
   * Resolves once `bytes` are taken. Waiters are served in order, so a large request is not
   * starved by smaller ones arriving after it. Aborting `signal` stops the wait.
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (bytes > this.capacity) throw new Error(`a request for ${bytes} bytes can never fit a budget of ${this.capacity}`);
    if (signal?.aborted) return Promise.reject(cancellationOf(signal, 'Staging'));
    if (this.waiting.length === 0 && this.used + bytes <= this.capacity) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(cancellationOf(signal!, 'Staging'));
        this.serve();
      };
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  give(bytes: number): void {
    this.used -= bytes;
    this.serve();
  }

  private serve(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0].bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}
