/** Incremental parser of a `text/event-stream` body, as the WHATWG HTML specification describes it (pure). */

export interface SseMessage {
  /** `id:` of the event, or undefined when it had none. */
  readonly id: string | undefined;
  /** `event:` field; 'message' by default. */
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  private pending = '';
  private data: string[] = [];
  private eventType = '';
  private eventId: string | undefined;
  private sawId = false;
  private first = true;
  /** Last `retry:` value, ms. */
  retry: number | undefined;
  /** Last event id seen (sent back as Last-Event-ID on reconnection). */
  lastEventId: string | undefined;

  /** Feeds decoded text; returns the events completed by it. Comments are passed to `onComment`. */
  push(text: string, onComment?: (comment: string) => void): SseMessage[] {
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    let buffer = this.pending + text;
    // A trailing '\r' may be the first half of a '\r\n' split between chunks: keep it for the next one.
    let carry = '';
    if (buffer.endsWith('\r')) {
      carry = '\r';
      buffer = buffer.slice(0, -1);
    }
    const lines = buffer.split(/\r\n|\r|\n/);
    this.pending = (lines.pop() ?? '') + carry;
    const events: SseMessage[] = [];
    for (const line of lines) this.line(line, events, onComment);
    return events;
  }

  private line(text: string, events: SseMessage[], onComment?: (comment: string) => void): void {
    if (text === '') {
      if (this.data.length > 0)
        events.push({
          id: this.sawId ? this.eventId : this.lastEventId,
          event: this.eventType || 'message',
          data: this.data.join('\n'),
        });
      this.data = [];
      this.eventType = '';
      this.sawId = false;
      return;
    }
    if (text.startsWith(':')) {
      onComment?.(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\u0000')) {
      this.eventId = value;
      this.lastEventId = value;
      this.sawId = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}
