import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MosquittoExited, startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';

/**
 * Does Debian's Mosquitto start with this ACL file? Resolves `accepted: true` once it listens (then stops
 * it), or `accepted: false` with everything it printed once it has exited; throws when it neither
 * listened nor exited. `dir` must be readable by the `mosquitto` user: started as root, Mosquitto drops
 * privileges before it reads the ACL file.
 */
export async function mosquittoAccepts(
  dir: string,
  aclText: string,
): Promise<{ accepted: boolean; output: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const aclPath = join(dir, 'acl');
  writeFileSync(aclPath, aclText, { mode: 0o644 });
  const port = await freePort();
  try {
    const broker = await startMosquitto(
      dir,
      `listener ${port} 127.0.0.1\nacl_file ${aclPath}\nlog_dest stderr\n`,
      port,
    );
    await broker.stop();
    return { accepted: true, output: broker.log() };
  } catch (error) {
    if (!(error instanceof MosquittoExited)) throw error;
    return { accepted: false, output: `exit ${error.code}: ${error.output}` };
  }
}
