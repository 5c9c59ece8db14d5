// The SDK instances Governor knows (GET /api/v1/applications): those that registered
// (POST /api/client/register) or used the Unleash client API, with how each fetches its flags.
import { api } from '../api';

export type ConnectionMode = 'polling' | 'streaming';

export interface SdkInstance {
  appName: string;
  instanceId: string;
  environment: string;
  sdkVersion: string | null; // e.g. "unleash-client-node:6.12.1"
  strategies: string[];
  startedAt: string;
  registeredAt: string | null; // null: never registered (only fetched)
  lastSeen: string;
  metricsIntervalMs: number; // 0: unknown
  connectionMode: ConnectionMode | null; // null: no fetch seen
}

export function listApplications(environment?: string): Promise<{ items: SdkInstance[] }> {
  const query = environment ? `?${new URLSearchParams({ environment })}` : '';
  return api('GET', `/api/v1/applications${query}`);
}

// "unleash-client-node:6.12.1" as its SDK name and version ("" when it has none).
export function splitSdkVersion(sdk: string | null): { name: string; version: string } {
  if (!sdk) return { name: '', version: '' };
  const colon = sdk.lastIndexOf(':');
  if (colon <= 0) return { name: sdk, version: '' };
  return { name: sdk.slice(0, colon), version: sdk.slice(colon + 1) };
}
