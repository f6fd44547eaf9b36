import { filter, firstValueFrom, timeout } from 'rxjs';
import type { Observable } from 'rxjs';

/** Resolves with the first value of `source` that passes `predicate`; fails after `ms`. */
export function until<T>(source: Observable<T>, predicate: (value: T) => boolean, ms = 15_000): Promise<T> {
  return firstValueFrom(source.pipe(filter(predicate), timeout({ first: ms })));
}

/**
 * Re-checks a condition on state that offers no events (the server's counters) until it holds;
 * fails after `ms`. The interval only paces the checks: correctness never depends on it.
 */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
