/** The chain wizard's steps, which plan fields each step holds, and the labels problems are shown with. */
import type { ChainProblem } from '../../../src-main/core/pki/create-chain.js';

export const WIZARD_STEPS = ['Start', 'Intermediate', 'Server', 'Clients', 'Create'] as const;

/** The on-screen label of each field the core names (`root.name` → "Root CA name"). */
export const FIELD_LABELS: Record<string, string> = {
  root: 'Root CA',
  'root.name': 'Root CA name',
  'root.cn': 'Root CA common name',
  'root.keyType': 'Root CA key type',
  'root.days': 'Root CA validity (days)',
  existingCa: 'Existing CA',
  intermediate: 'Intermediate CA',
  'intermediate.name': 'Intermediate CA name',
  'intermediate.cn': 'Intermediate CA common name',
  'intermediate.keyType': 'Intermediate CA key type',
  'intermediate.days': 'Intermediate CA validity (days)',
  'server.name': 'Server name',
  'server.cn': 'Server common name',
  'server.hosts': 'Host names and IP addresses',
  'server.keyType': 'Server key type',
  'server.days': 'Server validity (days)',
  clients: 'Device ids',
  'clients.keyType': 'Client key type',
  'clients.days': 'Client validity (days)',
  plan: 'Plan',
};

/** The step (index into WIZARD_STEPS) a field belongs to. */
export function stepOfField(field: string): number {
  const head = field.split('.')[0];
  if (head === 'root' || head === 'existingCa') return 0;
  if (head === 'intermediate') return 1;
  if (head === 'server') return 2;
  if (head === 'clients') return 3;
  return 4;
}

/** A problem as the user reads it: the field's label instead of its api path (`Root CA name: …`). */
export function problemText(problem: ChainProblem): string {
  const label = FIELD_LABELS[problem.field] ?? problem.field;
  return problem.message.startsWith(problem.field)
    ? label + problem.message.slice(problem.field.length)
    : problem.message;
}

/** Add `host` to a typed hosts list unless it is already there. */
export function addHost(text: string, host: string): string {
  const tokens = text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (
    tokens.some(
      (t) => t.toLowerCase() === host.toLowerCase() || t.toLowerCase().endsWith(':' + host.toLowerCase()),
    )
  )
    return text;
  return [...tokens, host].join(', ');
}
