// Calls Governor's public REST API with the session's admin token. Errors come back as
// ApiError with the server's {"error": {"code", "message", "field"}} fields.
import { getToken } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface EnvironmentState {
  enabled: boolean;
}

export interface Flag {
  name: string;
  type?: string;
  description?: string;
  environments: Record<string, EnvironmentState>;
  version: number;
}

export interface FlagPage {
  items: Flag[];
  nextCursor?: string | null;
}

// An Unleash constraint on one context field (the API's Constraint schema), as strategies,
// segments and release plans carry it.
export interface Constraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string | number;
  caseInsensitive?: boolean;
  inverted?: boolean;
}

export interface Environment {
  name: string;
}

export interface ApiOptions {
  // The bearer token; the session's when left out.
  token?: string | null;
  // Headers added to the request (e.g. ifMatch(version)).
  headers?: Record<string, string>;
}

// An If-Match header with a resource's version: the API answers 409 when it changed meanwhile.
export function ifMatch(version: number): Record<string, string> {
  return { 'If-Match': `"${version}"` };
}

// Sends one request; a non-2xx answer throws ApiError with the API's error fields.
async function request(
  method: string,
  path: string,
  body: unknown,
  accept: string,
  options: ApiOptions,
): Promise<string> {
  const token = options.token === undefined ? getToken() : options.token;
  const headers: Record<string, string> = { Accept: accept, ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
  });
  const text = await res.text();
  if (!res.ok) {
    type Answer = { error?: { code?: string; message?: string; field?: string } } | null;
    const err = (parseJson(text) as Answer)?.error;
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? res.statusText, err?.field);
  }
  return text;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: ApiOptions = {},
): Promise<T> {
  return parseJson(await request(method, path, body, 'application/json', options)) as T;
}

// A GET answering text (e.g. CSV) rather than JSON; errors as with api().
export function apiText(path: string, accept: string): Promise<string> {
  return request('GET', path, undefined, accept, {});
}

export function listEnvironments(token?: string): Promise<{ items: Environment[] }> {
  return api('GET', '/api/v1/environments', undefined, { token: token ?? getToken() });
}

export function listFlags(q: string, limit: number, cursor?: string): Promise<FlagPage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (q) params.set('q', q);
  if (cursor) params.set('cursor', cursor);
  return api('GET', `/api/v1/flags?${params}`);
}

export function createFlag(name: string): Promise<Flag> {
  return api('POST', '/api/v1/flags', { name });
}

export function setFlagEnabled(name: string, env: string, on: boolean): Promise<Flag> {
  const path = `/api/v1/flags/${encodeURIComponent(name)}/environments/${encodeURIComponent(env)}/${on ? 'on' : 'off'}`;
  return api('POST', path);
}

export type TokenType = 'admin' | 'client' | 'frontend' | 'viewer';

export interface Token {
  id: string;
  name: string;
  type: TokenType;
  environment: string;
  createdAt: string;
  expiresAt?: string | null;
  revokedAt?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  resource: string;
}

function pageQuery(limit: number, cursor?: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ limit: String(limit), ...extra });
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export function listTokens(limit: number, cursor?: string): Promise<Page<Token>> {
  return api('GET', `/api/v1/tokens?${pageQuery(limit, cursor)}`);
}

export function createToken(body: {
  type: TokenType;
  name: string;
  environment?: string;
}): Promise<Token & { secret: string }> {
  return api('POST', '/api/v1/tokens', body);
}

export function revokeToken(id: string): Promise<void> {
  return api('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
}

export function listAudit(
  limit: number,
  resource: string,
  cursor?: string,
): Promise<Page<AuditEntry>> {
  return api('GET', `/api/v1/audit?${pageQuery(limit, cursor, resource ? { resource } : {})}`);
}
