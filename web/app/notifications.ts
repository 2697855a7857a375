import type { EpitraceClient, Notification, RealtimeStream, RealtimeState } from '../sdk/index.js';

const LAST_EVENT_KEY = 'epitrace.notifications.last_event_id';

/**
 * The person's exposure notifications: the list from the server, then live over Server-Sent Events (the SDK
 * reconnects with back-off and resumes after the last event received, which survives a reload).
 */
export class NotificationCenter {
  private readonly byId = new Map<string, Notification>();
  private stream: RealtimeStream<Notification> | null = null;
  private connection: RealtimeState = 'connecting';
  private readonly listeners = new Set<() => void>();

  constructor(private readonly client: EpitraceClient) {}

  get all(): Notification[] {
    return [...this.byId.values()].sort((a, b) => b.seq - a.seq);
  }

  get unacknowledged(): number {
    return this.all.filter((n) => n.acked_at === null).length;
  }

  get state(): RealtimeState {
    return this.connection;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    try {
      const page = await this.client.listNotifications({ limit: 100 });
      for (const notification of page.notifications) this.byId.set(notification.id, notification);
    } catch {
      // offline: the stream catches up when it connects
    }
    this.emit();
    const lastEventId = localStorage.getItem(LAST_EVENT_KEY) ?? undefined;
    this.stream = this.client.streamNotifications({
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      onEvent: (event) => {
        this.byId.set(event.data.id, event.data);
        if (event.id !== undefined) localStorage.setItem(LAST_EVENT_KEY, event.id);
        this.emit();
      },
      onStateChange: (state) => {
        this.connection = state;
        this.emit();
      },
    });
  }

  stop(): void {
    void this.stream?.close();
    this.stream = null;
  }

  async acknowledge(id: string): Promise<void> {
    const acknowledged = await this.client.ackNotification(id);
    this.byId.set(id, acknowledged);
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
