/** What to throw when a call meets the run's deadline: before it starts, or while it waits for an answer. */
export interface DeadlineErrors {
  notStarted: () => Error;
  expired: () => Error;
}

/**
 * Runs one call (an AWS SDK `send`, say) so that it ends by `deadline` (epoch ms) whatever happens inside it:
 * none starts after the deadline, the abort signal stops the attempt in flight at it, and the race also ends
 * what the signal does not reach (an SDK retry's backoff). Without a deadline the call runs as it is.
 */
export async function beforeDeadline<T>(deadline: number | undefined, call: (signal?: AbortSignal) => Promise<T>, errors: DeadlineErrors): Promise<T> {
  if (deadline === undefined) return call();
  const left = deadline - Date.now();
  if (left <= 0) throw errors.notStarted();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(errors.expired());
    }, left);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
