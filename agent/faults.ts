/**
 * Fault injection for the crash tests: with RELOAD_AGENT_FAULT=<point>, the agent kills itself
 * (SIGKILL, as `kill -9` would) when it reaches that point of an apply, so each window between
 * two durable writes is tested, not only the ones a random kill happens to hit. Unset, it does
 * nothing.
 */
export type FaultPoint = 'after-swap' | 'after-snapshot' | 'after-apply-record' | 'state-before-rename' | 'after-state';

const armed = process.env.RELOAD_AGENT_FAULT;

export function faultPoint(point: FaultPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
