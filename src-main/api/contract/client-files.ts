// The client domain's file picker: a file the user chose for a connection profile, copied into the
// workspace (a browser hands over bytes, never a path). See ../FOUNDATION.md.
import { z } from 'zod';
import { method, returns } from './method.js';
import type { StoredProfileFile } from '../../core/client/profile-files.js';

export type { StoredProfileFile };

export const clientFileMethods = {
  /**
   * Copy a CA, certificate, key or PKCS#12 file the user picked into the workspace (`client-files/`,
   * keys and PKCS#12 0600) and return the path a profile names. Checked first: a file of the wrong
   * kind is one error naming the file and the profile field; nothing is written then.
   */
  'client.storeFile': method(
    z
      .object({
        name: z.string().min(1).max(255),
        role: z.enum(['ca', 'cert', 'key', 'p12']),
        /** The file's bytes, base64 (at most 1 MiB). */
        data: z.string().min(1).max(1_400_000),
      })
      .strict(),
    returns<StoredProfileFile>(),
  ),
};
