/**
 * Server-sent events parsing (WHATWG HTML §9.2.6 "event stream interpretation"), for
 * checking a finished stream: the whole body is parsed at once, within bounds.
 */
export interface SseEvent {
  /** The event type (`message` when the stream gave none). */
  readonly event: string;
  readonly data: string;
}

export class SseError extends Error {
  override name = 'SseError';
}

export const SSE_LIMITS = Object.freeze({ maxEvents: 1 << 16, maxLineLength: 4 << 20 });

export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  let event = '';
  let data: string[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  // A final line without its terminator is an incomplete event and is dropped, as a
  // browser's EventSource would.
  lines.pop();
  for (const line of lines) {
    if (line.length > SSE_LIMITS.maxLineLength) throw new SseError('event stream line too long');
    if (line === '') {
      if (data.length > 0) {
        if (events.length >= SSE_LIMITS.maxEvents) throw new SseError('too many events');
        events.push({ event: event === '' ? 'message' : event, data: data.join('\n') });
      }
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    // id and retry only matter to a reconnecting client; other fields are ignored by spec.
  }
  return events;
}
