import { aclMethods, type AclCertificateIdentity } from '../contract/acl.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  evaluateAcl,
  lintAcl,
  parseAcl,
  readAcl,
  usernameFromCertificate,
  type AclFile,
} from '../../core/acl/index.js';
import { certificateUsernames } from '../../core/pki/certificate.js';
import { loadIndex, readCertPem } from '../../core/pki/store.js';

/** The workspace broker's ACL file (FOUNDATION.md §6). */
export const WORKSPACE_ACL = 'broker/acl.conf';

export function aclHandlers(ctx: ServiceContext): Handlers<typeof aclMethods> {
  const parsed = (text: string, file?: string): AclFile => parseAcl(text, file ?? 'acl');

  const load = () => {
    const text = ctx.workspace.readText(WORKSPACE_ACL);
    return { path: WORKSPACE_ACL, exists: text !== undefined, text: text ?? '' };
  };

  return {
    'acl.load': () => load(),

    'acl.save': (p) => {
      parseAcl(p.text, WORKSPACE_ACL);
      ctx.workspace.commit([{ path: WORKSPACE_ACL, data: p.text }]);
      ctx.emit('acl.changed', { path: WORKSPACE_ACL });
      return load();
    },

    'acl.analyze': (p) => {
      const acl = readAcl(p.text, p.file ?? 'acl');
      const diagnostics = lintAcl(acl);
      return { lines: acl.lines, diagnostics, refused: diagnostics.some((d) => d.severity === 'error') };
    },

    'acl.check': (p) => {
      const q = {
        clientId: p.clientId,
        topic: p.topic,
        access: p.access,
        ...(p.username !== undefined ? { username: p.username } : {}),
      };
      return evaluateAcl(parsed(p.text, p.file), q);
    },

    'acl.matrix': (p) => {
      const acl = parsed(p.text, p.file);
      const cells = p.identities.map((id) =>
        p.topics.map((topic) => ({
          read: evaluateAcl(acl, { ...id, topic, access: 'read' }),
          write: evaluateAcl(acl, { ...id, topic, access: 'write' }),
        })),
      );
      return { identities: p.identities, topics: p.topics, cells };
    },

    'acl.certificates': (p) => {
      const out: AclCertificateIdentity[] = [];
      for (const entry of loadIndex(ctx.workspace)) {
        if (entry.kind !== 'client' && entry.kind !== 'imported') continue;
        const names = certificateUsernames(readCertPem(ctx.workspace, entry.name), entry.name);
        const cn = names.cn === '' ? undefined : names.cn;
        const certNames = cn === undefined ? { subject: names.subject } : { cn, subject: names.subject };
        out.push({ name: entry.name, ...certNames, username: usernameFromCertificate(certNames, p) });
      }
      return out;
    },
  };
}
