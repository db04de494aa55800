/** X.509 v3 extensions: decoders for what we explain (the encoders are in extension-encoding.ts). */
import {
  TAG,
  children,
  expectTag,
  parseDer,
  readBitString,
  readBoolean,
  readOid,
  readSmallInt,
} from './der.js';
import { decodeName } from './distinguished-name.js';
import { formatIp } from './ip-address.js';
import { KEY_USAGE_BITS, OID, type KeyUsageName } from './oids.js';

export interface DecodedExtensions {
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { usages: KeyUsageName[]; critical: boolean };
  extKeyUsage?: { oids: string[]; critical: boolean };
  subjectAltName?: { entries: string[]; dns: string[]; ips: string[]; critical: boolean };
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  crlDistributionPoints?: string[];
  authorityInfoAccess?: string[];
  crlNumber?: bigint;
  /** Extensions we do not understand, by OID. */
  unknownCritical?: string[];
}

/** Render one GeneralName as `kind:value`. */
export function describeGeneralName(node: { tag: number; content: Buffer; raw: Buffer }): string {
  switch (node.tag) {
    case 0x81:
      return 'email:' + node.content.toString('latin1');
    case 0x82:
      return 'dns:' + node.content.toString('latin1');
    case 0x86:
      return 'uri:' + node.content.toString('latin1');
    case 0x87:
      return 'ip:' + formatIp(node.content);
    case 0xa4:
      return 'dirname:' + decodeName(children(parseDer(node.raw))[0]!).rfc2253;
    case 0xa0: {
      const parts = children(parseDer(node.raw));
      return 'othername:' + (parts[0] ? readOid(parts[0]) : '?');
    }
    case 0x88:
      return 'rid:' + readOid({ ...node, tag: TAG.OID, constructed: false, cls: 0, num: 6 });
    default:
      return `unknown:[${node.tag & 0x1f}]`;
  }
}

/** Decode one extension value into `out` (unknown ones are remembered when critical). */
export function decodeExtension(
  extOid: string,
  value: Buffer,
  critical: boolean,
  out: DecodedExtensions,
): void {
  const node = parseDer(value);
  switch (extOid) {
    case OID.basicConstraints: {
      const parts = children(expectTag(node, TAG.SEQUENCE, 'basicConstraints'));
      let ca = false;
      let pathLen: number | undefined;
      for (const part of parts) {
        if (part.tag === TAG.BOOLEAN) ca = readBoolean(part);
        else if (part.tag === TAG.INTEGER) pathLen = readSmallInt(part);
      }
      out.basicConstraints = { ca, critical, ...(pathLen !== undefined ? { pathLen } : {}) };
      return;
    }
    case OID.keyUsage: {
      const { bytes } = readBitString(node);
      const usages = KEY_USAGE_BITS.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
      out.keyUsage = { usages: [...usages], critical };
      return;
    }
    case OID.extKeyUsage:
      out.extKeyUsage = {
        oids: children(expectTag(node, TAG.SEQUENCE, 'extKeyUsage')).map(readOid),
        critical,
      };
      return;
    case OID.subjectAltName: {
      const entries = children(expectTag(node, TAG.SEQUENCE, 'subjectAltName')).map(describeGeneralName);
      out.subjectAltName = {
        entries,
        dns: entries.filter((e) => e.startsWith('dns:')).map((e) => e.slice(4)),
        ips: entries.filter((e) => e.startsWith('ip:')).map((e) => e.slice(3)),
        critical,
      };
      return;
    }
    case OID.subjectKeyIdentifier:
      out.subjectKeyId = expectTag(node, TAG.OCTET_STRING, 'subjectKeyIdentifier').content;
      return;
    case OID.authorityKeyIdentifier: {
      const keyId = children(expectTag(node, TAG.SEQUENCE, 'authorityKeyIdentifier')).find(
        (c) => c.tag === 0x80,
      );
      if (keyId) out.authorityKeyId = keyId.content;
      return;
    }
    case OID.crlDistributionPoints: {
      const uris: string[] = [];
      for (const point of children(node)) {
        const name = children(point).find((c) => c.tag === 0xa0);
        const full = name && children(name).find((c) => c.tag === 0xa0);
        if (full) for (const gn of children(full)) uris.push(describeGeneralName(gn));
      }
      out.crlDistributionPoints = uris;
      return;
    }
    case OID.authorityInfoAccess: {
      const items: string[] = [];
      for (const access of children(node)) {
        const [method, location] = children(access);
        const methodOid = readOid(method!);
        const label =
          methodOid === '1.3.6.1.5.5.7.48.1'
            ? 'OCSP'
            : methodOid === '1.3.6.1.5.5.7.48.2'
              ? 'CA Issuers'
              : methodOid;
        items.push(`${label} - ${describeGeneralName(location!)}`);
      }
      out.authorityInfoAccess = items;
      return;
    }
    case OID.crlNumber: {
      const content = expectTag(node, TAG.INTEGER, 'cRLNumber').content;
      out.crlNumber = BigInt('0x' + (content.toString('hex') || '0'));
      return;
    }
    default:
      if (critical) (out.unknownCritical ??= []).push(extOid);
  }
}
