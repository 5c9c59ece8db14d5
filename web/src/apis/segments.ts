// Segments (named constraint sets that flag strategies reference by id) through the public REST
// API: GET/POST /api/v1/segments, GET/PUT/DELETE /api/v1/segments/{id}. Replacing and deleting
// send If-Match with the version the console showed, so another admin's change is never
// overwritten silently (the API answers 409). Which flags use a segment comes from the flags
// list, whose strategies name their segments.
import { api, ApiError } from '../api';
import { getToken } from '../session';

// An Unleash constraint on one context field (components.schemas.Constraint).
export interface SegmentConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string | number;
  caseInsensitive?: boolean;
  inverted?: boolean;
}

export interface Segment {
  id: number;
  name: string;
  constraints: SegmentConstraint[];
  version: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface SegmentInput {
  name: string;
  constraints: SegmentConstraint[];
}

// A flag environment whose strategies use a segment.
export interface SegmentUse {
  flag: string;
  environment: string;
}

const path = (id: number) => `/api/v1/segments/${encodeURIComponent(String(id))}`;

// Like api(), with an If-Match header: the same error handling (ApiError with the API's code,
// message and field).
async function withIfMatch<T>(
  method: string,
  url: string,
  version: number,
  body?: unknown,
): Promise<T> {
  const token = getToken();
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'If-Match': `"${version}"`,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
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
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? res.statusText, err?.field);
  }
  return json as T;
}

export function listSegments(): Promise<{ items: Segment[] }> {
  return api('GET', '/api/v1/segments');
}

export function getSegment(id: number): Promise<Segment> {
  return api('GET', path(id));
}

export function createSegment(input: SegmentInput): Promise<Segment> {
  return api('POST', '/api/v1/segments', input);
}

export function replaceSegment(id: number, version: number, input: SegmentInput): Promise<Segment> {
  return withIfMatch('PUT', path(id), version, input);
}

export function deleteSegment(id: number, version: number): Promise<void> {
  return withIfMatch('DELETE', path(id), version);
}

interface FlagWithStrategies {
  name: string;
  environments: Record<string, { strategies?: { segments?: number[] }[] }>;
}

const USAGE_PAGE = 1000;

// Segment id -> the flag environments whose strategies reference it, from every page of the
// flags list.
export async function segmentUsage(): Promise<Map<number, SegmentUse[]>> {
  const uses = new Map<number, SegmentUse[]>();
  let cursor: string | null | undefined;
  do {
    const params = new URLSearchParams({ limit: String(USAGE_PAGE) });
    if (cursor) params.set('cursor', cursor);
    const page = await api<{ items: FlagWithStrategies[]; nextCursor?: string | null }>(
      'GET',
      `/api/v1/flags?${params}`,
    );
    for (const flag of page.items) {
      for (const [environment, state] of Object.entries(flag.environments ?? {})) {
        const ids = new Set<number>();
        for (const strategy of state.strategies ?? []) {
          for (const id of strategy.segments ?? []) ids.add(id);
        }
        for (const id of ids) {
          const list = uses.get(id) ?? [];
          list.push({ flag: flag.name, environment });
          uses.set(id, list);
        }
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return uses;
}
