// Typed calls for the flag editor (pages/FlagEditor.tsx): one flag with its strategies and
// variants per environment, the segments a strategy may use, the flag's audit entries and its
// client metrics. Shapes follow api/openapi.yaml (Flag, Strategy, Variant, Segment).
import {
  api,
  ifMatch,
  listAudit,
  type AuditEntry,
  type Constraint,
  type Page,
} from '../api';

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

export function getFlag(name: string): Promise<FlagDetail> {
  return api('GET', flagPath(name));
}

export function putStrategies(
  name: string,
  env: string,
  strategies: Strategy[],
  version: number,
): Promise<FlagDetail> {
  return api('PUT', `${envPath(name, env)}/strategies`, { strategies }, {
    headers: ifMatch(version),
  });
}

export function putVariants(
  name: string,
  env: string,
  variants: Variant[],
  version: number,
): Promise<FlagDetail> {
  return api('PUT', `${envPath(name, env)}/variants`, { variants }, {
    headers: ifMatch(version),
  });
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
