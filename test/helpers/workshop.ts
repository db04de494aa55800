import { createCa, issueCertificate } from '../../src-main/core/pki/index.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';

export interface WorkshopNames {
  root: { name: string; cn: string };
  intermediate: { name: string; cn: string };
  /** Client certificates issued by the intermediate (CN = name). */
  clients: string[];
}

/**
 * A workshop made with our pki core, like quick start's: root → intermediate → server "broker"
 * (localhost, 127.0.0.1) and the clients, all issued by the intermediate.
 */
export async function makeWorkshop(ws: Workspace, names: WorkshopNames): Promise<void> {
  await createCa(ws, { name: names.root.name, cn: names.root.cn });
  await createCa(ws, { name: names.intermediate.name, cn: names.intermediate.cn, parent: names.root.name });
  await issueCertificate(ws, {
    ca: names.intermediate.name,
    profile: 'server',
    name: 'broker',
    cn: 'localhost',
    san: ['dns:localhost', 'ip:127.0.0.1'],
  });
  for (const name of names.clients) {
    await issueCertificate(ws, { ca: names.intermediate.name, profile: 'client', name, cn: name });
  }
}
