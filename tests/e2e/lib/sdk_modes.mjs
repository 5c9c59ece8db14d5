// Helpers for the unleash_client_modes_*.e2etest.mjs files: unleash-client 6.12.1 in its modes
// (polling with format full or delta, streaming), and a raw reader of GET /api/client/streaming.
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { waitUntil } from './governor.mjs';

// A `newClient(options)` building an SDK instance with `defaults` (appName, instanceId, ...)
// and an in-memory storage provider, `options` taking precedence.
export function sdkFactory(defaults) {
  return (options) => new Unleash({ ...defaults, storageProvider: new InMemStorageProvider(), ...options });
}

// Pushes `sdk`'s warnings and errors onto `warnings` as strings, each after `prefix`.
export function recordWarnings(sdk, warnings, prefix = '') {
  sdk.on('warn', (w) => warnings.push(`${prefix}${String(w)}`));
  sdk.on('error', (e) => warnings.push(`${prefix}error: ${e.message}`));
  return warnings;
}

// Resolves on `sdk`'s first 'synchronized'; rejects after `ms` with `what` and the warnings.
export function whenSynchronized(sdk, what, warnings, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: ${warnings.join('; ')}`)), ms);
    sdk.once('synchronized', () => { clearTimeout(timer); resolve(); });
  });
}

// An SDK built by `newClient(options)` and pushed onto `clients`, with its 'mode' events (the
// Unleash object does not re-emit them: lib/unleash.js forwards only ready, error, warn,
// unchanged and changed from its repository, so they are taken from the repository, each with
// the time it came `at`), its warnings, and a promise for its first 'synchronized' (rejected
// after 10 s with `what`, by default "<instanceId> did not sync").
export function watched(newClient, options, clients, what = `${options.instanceId} did not sync`) {
  const sdk = newClient(options);
  clients.push(sdk);
  const w = { sdk, modes: [], warnings: [] };
  recordWarnings(sdk, w.warnings);
  sdk.repository.on('mode', (m) => w.modes.push({ ...m, at: Date.now() }));
  w.synchronized = whenSynchronized(sdk, what, w.warnings);
  return w;
}

// The mode changes of a watched() SDK as {from, to}.
export const modesOf = (w) => w.modes.map(({ from, to }) => ({ from, to }));

// One delta event as "type:subject", e.g. "feature-updated:e2e.static", "segment-removed:3".
export function describeEvent(e) {
  const subject = e.feature?.name ?? e.featureName ?? e.segment?.id ?? e.segmentId ?? '';
  return `${e.type}:${subject}`;
}

// Sort orders for features (by name) and segments (by id).
export const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
export const byId = (a, b) => a.id - b.id;

// A raw SSE reader: `status`, `headers`, parsed `events` ({event, id, data}), `comments`; next(ms)
// takes the next unread event; close() aborts the request. An answer other than 200 is read
// into `body` and the reader is ended.
export async function openSse(url, headers) {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const s = { status: res.status, headers: res.headers, events: [], comments: [], read: 0, ended: false };
  s.close = () => ac.abort();
  s.next = async (ms, what = 'an SSE event') => {
    await waitUntil(() => s.read < s.events.length || s.ended, ms, what);
    if (s.read >= s.events.length) throw new Error(`stream ended before ${what}`);
    return s.events[s.read++];
  };
  if (res.status !== 200) {
    s.body = await res.text();
    s.ended = true;
    return s;
  }
  (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true });
        buf = buf.replace(/\r\n/g, '\n');
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = '';
          let id;
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { s.comments.push(line.slice(1).trim()); continue; }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? '' : line.slice(colon + 1);
            if (value.startsWith(' ')) value = value.slice(1);
            if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'id') id = value;
          }
          if (event || data.length) s.events.push({ event: event || 'message', id, data: data.join('\n') });
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) s.error = e;
    }
    s.ended = true;
  })();
  return s;
}
