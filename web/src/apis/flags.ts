// Typed calls for the flag editor (pages/FlagEditor.tsx): one flag with its strategies and
// variants per environment, the segments a strategy may use, the flag's audit entries and its
// client metrics. Shapes follow api/openapi.yaml (Flag, Strategy, Variant, Segment).
import { api, ApiError, listAudit, type AuditEntry, type Page } from '../api';
import { getToken } from '../session';
import type { Constraint } from '../components/ConstraintsEditor';

export interface Payload {
  type: string;  // string, json, csv or number
  value: string;
}

export interface VariantOverride {
  contextName: string;
  values?: string[];
}

export interface Variant {
  name: string;
  weight?: number;
  weightType?: string;
  stickiness?: string;
  payload?: Payload;
  overrides?: VariantOverride[];
}

export interface Strategy {
  name: string;
  id?: string;
  title?: string | null;
  disabled?: boolean;
  sortOrder?: number;
  parameters?: Record<string, string | number | boolean | null>;
  constraints?: Constraint[];
  segments?: number[];
  variants?: Variant[];
}

export interface FlagEnvironment {
  enabled?: boolean;
  strategies?: Strategy[];
  variants?: Variant[];
}

export interface FlagDetail {
  name: string;
  project: string;
  type: string;
  description?: string | null;
  stale?: boolean;
  impressionData?: boolean;
  environments: Record<string, FlagEnvironment>;
  version: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface Segment {
  id: number;
  name: string;
  constraints: Constraint[];
  version: number;
}

export interface FlagMetricsItem {
  appName: string;
  environment: string;
  hour: string;  // RFC 3339, the start of a UTC hour
  yes: number;
  no: number;
  variants?: Record<string, number>;
}

export interface FlagMetrics {
  name?: string;
  items: FlagMetricsItem[];
}

const flagPath = (name: string) => `/api/v1/flags/${encodeURIComponent(name)}`;
const envPath = (name: string, env: string) =>
  `${flagPath(name)}/environments/${encodeURIComponent(env)}`;

// Like api(), with an If-Match header: the API answers 409 when the flag changed meanwhile.
async function apiIfMatch<T>(
  method: string,
  path: string,
  body: unknown,
  version: number,
): Promise<T> {
  const token = getToken();
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'If-Match': `"${version}"`,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, {
    method,
    headers,
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; field?: string } } | null)
      ?.error;
    const message = err?.message ?? res.statusText;
    throw new ApiError(res.status, err?.code ?? 'error', message, err?.field);
  }
  return json as T;
}

export function getFlag(name: string): Promise<FlagDetail> {
  return api('GET', flagPath(name));
}

export function putStrategies(
  name: string,
  env: string,
  strategies: Strategy[],
  version: number,
): Promise<FlagDetail> {
  return apiIfMatch('PUT', `${envPath(name, env)}/strategies`, { strategies }, version);
}

export function putVariants(
  name: string,
  env: string,
  variants: Variant[],
  version: number,
): Promise<FlagDetail> {
  return apiIfMatch('PUT', `${envPath(name, env)}/variants`, { variants }, version);
}

export function setEnabled(name: string, env: string, on: boolean): Promise<FlagDetail> {
  return api('POST', `${envPath(name, env)}/${on ? 'on' : 'off'}`);
}

export function listSegments(): Promise<{ items: Segment[] }> {
  return api('GET', '/api/v1/segments');
}

export function flagMetrics(name: string, environment: string): Promise<FlagMetrics> {
  const q = environment ? `?${new URLSearchParams({ environment })}` : '';
  return api('GET', `${flagPath(name)}/metrics${q}`);
}

// The audit resource of a flag, as the API names it (e.g. "flags/checkout").
export const flagResource = (name: string) => `flags/${name}`;

export function flagAudit(name: string, limit: number, cursor?: string): Promise<Page<AuditEntry>> {
  return listAudit(limit, flagResource(name), cursor);
}
