import DataLoader from 'dataloader';

export interface GroupCommitOptions {
  /** Most items written by one call of the batch writer. */
  readonly maxBatch: number;
}

/**
 * Group commit: items submitted while a write is in flight are written together by the next one, so that under
 * load many requests share one transaction (and its round trips and commit) instead of queueing for a transaction
 * each. An item submitted while nothing is in flight is written on the next turn of the event loop, so a quiet
 * server adds no wait. The batch writer answers each item on its own: an Error in its slot fails that item only.
 */
export class GroupCommit<Item, Result> {
  private readonly loader: DataLoader<Item, Result>;
  /** A batch is being written, or scheduled to be: the next one waits for it. */
  private writing = false;
  private readonly ready: Array<() => void> = [];

  constructor(
    writeBatch: (items: readonly Item[]) => Promise<ReadonlyArray<Result | Error>>,
    options: GroupCommitOptions,
  ) {
    this.loader = new DataLoader<Item, Result>(
      async (items) => {
        try {
          return await writeBatch(items);
        } finally {
          const next = this.ready.shift();
          if (next === undefined) this.writing = false;
          else next();
        }
      },
      {
        cache: false,
        maxBatchSize: options.maxBatch,
        batchScheduleFn: (dispatch) => {
          if (this.writing) {
            this.ready.push(dispatch);
          } else {
            this.writing = true;
            setImmediate(dispatch);
          }
        },
      },
    );
  }

  submit(item: Item): Promise<Result> {
    return this.loader.load(item);
  }
}
