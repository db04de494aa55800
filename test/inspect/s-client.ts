/** `openssl s_client -showcerts` as an independent judge: what it saw, parsed from its output. */
import { X509Certificate } from 'node:crypto';
import { run } from '../helpers/run.js';

export interface SClientView {
  /** SHA-256 fingerprints of the chain as the server sent it (colon hex, as Node prints them). */
  chain: string[];
  protocol: string | null;
  cipher: string | null;
  /** `Server Temp Key:` e.g. `X25519, 253 bits`. */
  tempKey: string | null;
  acceptableCaNames: string[];
  output: string;
}

export async function sClient(port: number, args: string[]): Promise<SClientView> {
  const result = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts', ...args], {
    timeoutMs: 15_000,
  });
  const output = result.stdout + result.stderr;
  const chainSection = output.split('Certificate chain')[1]?.split('\n---\n')[0] ?? '';
  const chain = (
    chainSection.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
  ).map((pem) => new X509Certificate(pem).fingerprint256);
  const cipherLine = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(output);
  const tempKey = /Server Temp Key: (.+)/.exec(output)?.[1]?.trim() ?? null;
  const caSection =
    /Acceptable client certificate CA names\n([\s\S]*?)\n(?:Requested|Client Certificate Types|Shared)/.exec(
      output,
    );
  return {
    chain,
    protocol: cipherLine?.[1] ?? null,
    cipher: cipherLine?.[2] ?? null,
    tempKey,
    acceptableCaNames: caSection ? caSection[1]!.split('\n').filter(Boolean) : [],
    output,
  };
}
