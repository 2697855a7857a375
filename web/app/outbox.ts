import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Observation } from '../../src/contracts/interactions.js';
import { EpitraceApiError, type EpitraceClient } from '../sdk/index.js';

/** Observations wait here until the server has them; the phone may be offline for hours. */
interface OutboxSchema extends DBSchema {
  pending: { key: string; value: { observation: Observation; queued_at: number } };
  /** Observations the server refused (400): kept for the person to see, never retried. */
  refused: { key: string; value: { observation: Observation; detail: string } };
}

const BATCH = 500;
const RETRY_MS = 15_000;

export interface OutboxState {
  readonly pending: number;
  readonly refused: number;
  readonly lastUploadAt: number | null;
  readonly lastError: string | null;
}

/**
 * A local queue (IndexedDB) of observations, uploaded in batches to POST /interactions. Each observation carries an
 * id made on the phone, so a batch sent again after a lost answer is stored once. Uploads when asked, when the
 * browser says it is back online, and every 15 seconds while anything is waiting.
 */
export class Outbox {
  private db: Promise<IDBPDatabase<OutboxSchema>>;
  private uploading: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private state: OutboxState = { pending: 0, refused: 0, lastUploadAt: null, lastError: null };
  private readonly listeners = new Set<(state: OutboxState) => void>();

  constructor(private readonly client: () => EpitraceClient | null) {
    this.db = openDB<OutboxSchema>('epitrace-outbox', 1, {
      upgrade(db) {
        db.createObjectStore('pending');
        db.createObjectStore('refused');
      },
    });
  }

  start(): void {
    window.addEventListener('online', () => void this.upload());
    this.timer = setInterval(() => {
      if (this.state.pending > 0) void this.upload();
    }, RETRY_MS);
    void this.refresh().then(() => this.upload());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onChange(listener: (state: OutboxState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  async add(observation: Observation): Promise<void> {
    await (await this.db).put('pending', { observation, queued_at: Date.now() }, observation.id);
    await this.refresh();
    void this.upload();
  }

  /**
   * Uploads everything waiting; one upload at a time. Asked again while uploading (an observation added after the
   * running pass read the queue), it makes one more pass when this one ends.
   */
  upload(): Promise<void> {
    if (this.uploading !== null) {
      this.again = true;
      return this.uploading;
    }
    this.uploading = (async () => {
      do {
        this.again = false;
        await this.uploadAll();
      } while (this.again);
    })().finally(() => (this.uploading = null));
    return this.uploading;
  }

  /** Deletes the queue (after the person erased their data). */
  async clear(): Promise<void> {
    const db = await this.db;
    await db.clear('pending');
    await db.clear('refused');
    await this.refresh();
  }

  private async uploadAll(): Promise<void> {
    const client = this.client();
    if (client === null) return;
    const db = await this.db;
    for (;;) {
      const batch = (await db.getAll('pending', undefined, BATCH)).map((entry) => entry.observation);
      if (batch.length === 0) break;
      try {
        await client.uploadInteractions(batch);
        const tx = db.transaction('pending', 'readwrite');
        await Promise.all([...batch.map((o) => tx.store.delete(o.id)), tx.done]);
        this.state = { ...this.state, lastUploadAt: Date.now(), lastError: null };
      } catch (error) {
        if (error instanceof EpitraceApiError && error.status === 400) {
          // The server refuses the whole batch for one bad observation: send them one by one, and set aside only
          // those refused (they would never be accepted as they are) rather than retry them forever.
          if (!(await this.uploadOneByOne(client, db, batch))) break;
        } else {
          this.state = {
            ...this.state,
            lastError:
              error instanceof EpitraceApiError
                ? error.problem.detail
                : 'offline: will upload when the connection is back',
          };
          break;
        }
      }
    }
    await this.refresh();
  }

  /** Uploads each observation alone; false when the connection failed on the way. */
  private async uploadOneByOne(
    client: EpitraceClient,
    db: IDBPDatabase<OutboxSchema>,
    batch: Observation[],
  ): Promise<boolean> {
    for (const observation of batch) {
      try {
        await client.uploadInteractions([observation]);
        await db.delete('pending', observation.id);
      } catch (error) {
        if (!(error instanceof EpitraceApiError && error.status === 400)) return false;
        const tx = db.transaction(['pending', 'refused'], 'readwrite');
        await tx.objectStore('refused').put({ observation, detail: error.problem.detail }, observation.id);
        await tx.objectStore('pending').delete(observation.id);
        await tx.done;
        this.state = { ...this.state, lastError: error.problem.detail };
      }
    }
    return true;
  }

  private async refresh(): Promise<void> {
    const db = await this.db;
    this.state = { ...this.state, pending: await db.count('pending'), refused: await db.count('refused') };
    for (const listener of this.listeners) listener(this.state);
  }
}
