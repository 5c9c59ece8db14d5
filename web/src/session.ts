// The admin token of this browser tab: kept in sessionStorage only (never a cookie, never the
// URL), so it is gone when the tab closes.
const KEY = 'governor.token';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
