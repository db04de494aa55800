// The acl domain's api methods and events. See ../FOUNDATION.md for how to add methods.
import { z } from 'zod';
import { method, returns } from './method.js';
import type { AclAnswer, AclDiagnostic, AclLine, CertificateUsername } from '../../core/acl/index.js';

/** The workspace broker's ACL file (`broker/acl.conf`). */
export interface AclDocument {
  /** Path inside the workspace. */
  path: string;
  exists: boolean;
  text: string;
}

/** An ACL text read line by line (refused lines included) with its lint. */
export interface AclAnalysis {
  lines: AclLine[];
  diagnostics: AclDiagnostic[];
  /** True when Mosquitto would refuse to start with this file. */
  refused: boolean;
}

export interface AclIdentity {
  username?: string;
  clientId: string;
}

export interface AclMatrix {
  identities: AclIdentity[];
  topics: string[];
  /** cells[i][t]: what identity i may do with topic t. */
  cells: { read: AclAnswer; write: AclAnswer }[][];
}

/** A client certificate of the workspace and the username a listener would give it. */
export interface AclCertificateIdentity {
  name: string;
  cn?: string;
  subject: string;
  username: CertificateUsername;
}

const aclText = z.string().max(2_000_000);
/** The name used in messages (`acl.conf:3: ...`). */
const fileName = z.string().min(1).max(4096).optional();
const identity = z.object({ username: z.string().optional(), clientId: z.string() }).strict();
const EXAMPLE_ACL = 'user device-1\ntopic readwrite devices/device-1/#\npattern read status/%c\n';

export const aclMethods = {
  /** The workspace broker's ACL (empty text when there is none yet). */
  'acl.load': method(z.object({}).strict(), returns<AclDocument>(), { readonly: true, example: {} }),
  /** Save the workspace broker's ACL; refused (nothing written) when Mosquitto would refuse it. */
  'acl.save': method(z.object({ text: aclText }).strict(), returns<AclDocument>()),
  /** Read a text as Mosquitto would, with lint; never refuses (refused lines are reported). */
  'acl.analyze': method(z.object({ text: aclText, file: fileName }).strict(), returns<AclAnalysis>(), {
    readonly: true,
    example: { text: EXAMPLE_ACL },
  }),
  /** "May this client read/write this topic?" with the deciding rule, as Mosquitto 2.0.11 answers. */
  'acl.check': method(
    z
      .object({
        text: aclText,
        file: fileName,
        username: z.string().optional(),
        clientId: z.string(),
        topic: z.string(),
        access: z.enum(['read', 'write']),
      })
      .strict(),
    returns<AclAnswer>(),
    {
      readonly: true,
      example: {
        text: EXAMPLE_ACL,
        username: 'device-1',
        clientId: 'device-1',
        topic: 'devices/device-1/t',
        access: 'write',
      },
    },
  ),
  /** Every identity × topic, for read and for write. */
  'acl.matrix': method(
    z
      .object({
        text: aclText,
        file: fileName,
        identities: z.array(identity).max(100),
        topics: z.array(z.string()).max(100),
      })
      .strict(),
    returns<AclMatrix>(),
    {
      readonly: true,
      example: {
        text: EXAMPLE_ACL,
        identities: [{ username: 'device-1', clientId: 'device-1' }, { clientId: 'anon' }],
        topics: ['devices/device-1/t', 'status/anon'],
      },
    },
  ),
  /** The workspace's client certificates with the username a listener with these settings gives each. */
  'acl.certificates': method(
    z
      .object({ useIdentityAsUsername: z.boolean().optional(), useSubjectAsUsername: z.boolean().optional() })
      .strict(),
    returns<AclCertificateIdentity[]>(),
    { readonly: true, example: { useIdentityAsUsername: true } },
  ),
};

export interface AclEvents {
  /** The workspace ACL was saved. */
  'acl.changed': { path: string };
}
