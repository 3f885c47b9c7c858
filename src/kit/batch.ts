// Group commit for hot writes: requests that arrive while a statement is in flight wait and go
// together in the next one, so N concurrent requests cost one round trip and one commit instead
// of N (and N updates of one row do not queue on its lock). Each request still answers only once
// its own write has committed.

export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
}

/**
 * `run` writes a batch and answers one result per item, in order (an Error for an item that
 * failed on its own). At most `maxInFlight` batches run at once; a batch holds up to `maxBatch`.
 */
export function createBatcher<I, O>(run: (items: I[]) => Promise<(O | Error)[]>, options: { maxInFlight?: number; maxBatch?: number } = {}): Batcher<I, O> {
  const maxInFlight = options.maxInFlight ?? 2;
  const maxBatch = options.maxBatch ?? 200;
  let queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight += 1;
      run(batch.map((entry) => entry.item)).then(
        (results) => batch.forEach((entry, index) => {
          const result = results[index];
          if (result instanceof Error) entry.reject(result);
          else entry.resolve(result as O);
        }),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      ).finally(() => {
        inFlight -= 1;
        flush();
      });
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Requests parsed in the same turn of the event loop go together.
        if (!scheduled && inFlight < maxInFlight) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
