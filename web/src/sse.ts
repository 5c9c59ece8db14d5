// Reads a server-sent event stream of the REST API with the session's token. EventSource
// cannot send an Authorization header (and the token must never be in a URL), so this reads
// the stream with fetch and parses the event-stream format itself. It reconnects after the
// server's `retry:` delay (5 s by default; longer when an error answer has Retry-After) when
// the connection ends or fails, and stops when `signal` aborts. A 401 calls onUnauthorized and
// stops. onStatus reports each connection made (true) and lost or refused (false), never after
// the abort.
import { getToken } from './session';

export interface SseEvent {
  event: string;
  id: string;
  data: string;
}

export interface SseOptions {
  onEvent: (e: SseEvent) => void;
  onUnauthorized?: () => void;
  onStatus?: (connected: boolean) => void;
  signal: AbortSignal;
}

// Splits `buffer` into complete events (ended by a blank line); returns the rest.
// A trailing CR is kept raw: it may be the first half of a CRLF split across two chunks.
export function parseEvents(buffer: string, out: SseEvent[], retry: { ms: number }): string {
  const cr = buffer.endsWith('\r');
  const text = (cr ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, '\n');
  let start = 0;
  for (let end = text.indexOf('\n\n', start); end >= 0; end = text.indexOf('\n\n', start)) {
    const block = text.slice(start, end);
    start = end + 2;
    const e: SseEvent = { event: 'message', id: '', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') e.event = value;
      else if (field === 'id') e.id = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retry.ms = Number(value);
    }
    if (data.length > 0) {
      e.data = data.join('\n');
      out.push(e);
    }
  }
  return text.slice(start) + (cr ? '\r' : '');
}

export async function readStream(path: string, options: SseOptions): Promise<void> {
  const { signal } = options;
  const retry = { ms: 5000 };
  while (!signal.aborted) {
    let wait = 0;
    try {
      const res = await fetch(path, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${getToken() ?? ''}` },
        credentials: 'omit',
        signal,
      });
      if (res.status === 401) {
        options.onUnauthorized?.();
        return;
      }
      if (!res.ok) {
        // 503 (too many streams) says when to come back; never sooner than `retry`.
        const after = Number(res.headers.get('Retry-After'));
        if (after > 0) wait = Math.max(retry.ms, after * 1000);
        await res.body?.cancel();
      } else if (res.body) {
        options.onStatus?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const events: SseEvent[] = [];
          buffer = parseEvents(buffer + value, events, retry);
          for (const e of events) options.onEvent(e);
        }
      }
    } catch {
      // A network error or the abort: retry below unless aborted.
    }
    // Once aborted the caller has moved on: no status change is reported after that.
    if (signal.aborted) return;
    options.onStatus?.(false);
    await sleep(Math.max(wait, retry.ms), signal);
  }
}

// Resolves after `ms`, or at once when `signal` aborts (so an abort ends the loop promptly).
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
