// How the console writes times (dates in the browser's locale, times relative to now,
// durations) and counts.

// "1 segment", "3 segments".
export const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

// A date-time (RFC 3339 text or milliseconds since the epoch) as the browser's locale shows it.
export const dateTime = (t: string | number) => new Date(t).toLocaleString();

// A date-time as the browser's locale shows it, or a dash.
export const when = (t?: string | null) => (t ? dateTime(t) : '—');

// "12 s ago", "5 min ago", "3 h ago", "2 days ago" (or "in …" for a clock ahead of ours).
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  const abs = Math.abs(seconds);
  let text: string;
  if (abs < 5) return 'just now';
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.floor(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.floor(abs / 3600)} h`;
  else {
    const days = Math.floor(abs / 86400);
    text = `${days} day${days === 1 ? '' : 's'}`;
  }
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

// "90 s", "10 min", "1 h 30 min", "2 d".
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  if (seconds < 86400) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}
