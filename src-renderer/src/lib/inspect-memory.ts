import type { InspectResult } from '../../../src-main/api/contract/inspect.js';

/**
 * What the Inspector view shows, kept while the user visits other views (the view itself is unmounted):
 * the form's settings and the last result. Never passwords, passphrases or file contents.
 */
export interface InspectMemory {
  target: string;
  trustKind: 'system' | 'workspace' | 'file';
  trustCa: string;
  trustChosen: boolean;
  trustSuggested: boolean;
  clientKind: 'none' | 'workspace' | 'files' | 'pkcs12';
  clientName: string;
  servername: string;
  alpn: string;
  tlsMin: string;
  tlsMax: string;
  mqtt: boolean;
  mqttVersion: '3.1.1' | '5';
  username: string;
  timeoutSeconds: number;
  result: InspectResult | null;
  fixed: { done: string; warning?: string } | null;
}

export const inspectMemory: { last: InspectMemory | null } = { last: null };
