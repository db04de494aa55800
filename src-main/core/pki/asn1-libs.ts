/**
 * The ASN.1 libraries, loaded on first use: asn1js and the @peculiar packages cost ~0.2 CPU-s to load
 * here, and paths that read no certificate (`pub --as`, key and catalog reads) must not pay it. Node
 * resolves these packages to their CommonJS builds for `import` too, so `require` gives the very same
 * module instances (one schema registry) as any static import elsewhere.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

type Asn1js = typeof import('asn1js');
type Schema = typeof import('@peculiar/asn1-schema');
type X509 = typeof import('@peculiar/asn1-x509');
type Cms = typeof import('@peculiar/asn1-cms');
type Pfx = typeof import('@peculiar/asn1-pfx');
type Pkcs8 = typeof import('@peculiar/asn1-pkcs8');
type Rsa = typeof import('@peculiar/asn1-rsa');
type Ecc = typeof import('@peculiar/asn1-ecc');

let asn1jsModule: Asn1js | undefined;
let schemaModule: Schema | undefined;
let x509Module: X509 | undefined;
let cmsModule: Cms | undefined;
let pfxModule: Pfx | undefined;
let pkcs8Module: Pkcs8 | undefined;
let rsaModule: Rsa | undefined;
let eccModule: Ecc | undefined;

export const asn1js = (): Asn1js => (asn1jsModule ??= load('asn1js') as Asn1js);
export const asn1Schema = (): Schema => (schemaModule ??= load('@peculiar/asn1-schema') as Schema);
export const asn1X509 = (): X509 => (x509Module ??= load('@peculiar/asn1-x509') as X509);
export const asn1Cms = (): Cms => (cmsModule ??= load('@peculiar/asn1-cms') as Cms);
export const asn1Pfx = (): Pfx => (pfxModule ??= load('@peculiar/asn1-pfx') as Pfx);
export const asn1Pkcs8 = (): Pkcs8 => (pkcs8Module ??= load('@peculiar/asn1-pkcs8') as Pkcs8);
export const asn1Rsa = (): Rsa => (rsaModule ??= load('@peculiar/asn1-rsa') as Rsa);
export const asn1Ecc = (): Ecc => (eccModule ??= load('@peculiar/asn1-ecc') as Ecc);

/** A value computed once, on first use (a schema class declared against a lazily loaded library). */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
