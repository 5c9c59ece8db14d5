// Segments (named constraint sets that flag strategies reference by id) through the public REST
// API: GET/POST /api/v1/segments, GET/PUT/DELETE /api/v1/segments/{id}. Replacing and deleting
// send If-Match with the version the console showed, so another admin's change is never
// overwritten silently (the API answers 409). Which flags use a segment comes from the flags
// list, whose strategies name their segments.
import { api, ifMatch, type Constraint } from '../api';

export interface Segment {
  id: number;
  name: string;
  constraints: Constraint[];
  version: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface SegmentInput {
  name: string;
  constraints: Constraint[];
}

// A flag environment whose strategies use a segment.
export interface SegmentUse {
  flag: string;
  environment: string;
}

const path = (id: number) => `/api/v1/segments/${encodeURIComponent(String(id))}`;

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
  return api('PUT', path(id), input, { headers: ifMatch(version) });
}

export function deleteSegment(id: number, version: number): Promise<void> {
  return api('DELETE', path(id), undefined, { headers: ifMatch(version) });
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
