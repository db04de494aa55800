/** X.509 v3 extensions: encoders for what we issue, decoders for what we explain. */
import { isIP } from 'node:net';
import { DerError, bitString, bool, implicitPrimitive, int, octetString, oid, seq } from './der.js';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  GeneralName,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { DecodeError, asn1Value, bufferOf, decodeAs } from './asn1-decode.js';
import { decodeName } from './distinguished-name.js';
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

/** One encoded Extension: SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(extOid: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(extOid), bool(true), octetString(value)) : seq(oid(extOid), octetString(value));
}

export function basicConstraintsValue(ca: boolean, pathLen?: number): Buffer {
  const parts: Buffer[] = [];
  if (ca) parts.push(bool(true));
  if (ca && pathLen !== undefined) parts.push(int(pathLen));
  return seq(...parts);
}

export function keyUsageValue(usages: KeyUsageName[]): Buffer {
  const bits = usages.map((u) => KEY_USAGE_BITS.indexOf(u));
  const bytes = Buffer.alloc(2);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  let length = bytes.length;
  while (length > 0 && bytes[length - 1] === 0) length--;
  const used = bytes.subarray(0, length);
  let unused = 0;
  if (length > 0) {
    const last = used[length - 1]!;
    while (unused < 8 && !(last & (1 << unused))) unused++;
  }
  return bitString(used, unused);
}

export function extKeyUsageValue(oids: string[]): Buffer {
  return seq(...oids.map((o) => oid(o)));
}

/** Parse `dns:host` / `ip:addr` / `email:x` / `uri:x` into a GeneralName; throws a message string. */
export function generalName(entry: string): Buffer {
  const colon = entry.indexOf(':');
  const kind = colon > 0 ? entry.slice(0, colon).toLowerCase() : '';
  const value = colon > 0 ? entry.slice(colon + 1).trim() : '';
  if (!value) throw new DerError(`"${entry}" is not kind:value (dns:host or ip:address)`);
  switch (kind) {
    case 'dns':
      if (
        !/^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/.test(
          value,
        )
      ) {
        throw new DerError(`"${value}" is not a DNS name`);
      }
      return implicitPrimitive(2, Buffer.from(value, 'latin1'));
    case 'ip':
      return implicitPrimitive(7, ipBytes(value));
    case 'email':
      return implicitPrimitive(1, Buffer.from(value, 'latin1'));
    case 'uri':
      return implicitPrimitive(6, Buffer.from(value, 'latin1'));
    default:
      throw new DerError(`"${entry}": the kind must be dns, ip, email or uri`);
  }
}

export function ipBytes(address: string): Buffer {
  const version = isIP(address);
  if (version === 4) return Buffer.from(address.split('.').map(Number));
  if (version === 6) {
    let text = address;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
      const b = v4[1]!.split('.').map(Number);
      text =
        text.slice(0, -v4[1]!.length) +
        ((b[0]! << 8) | b[1]!).toString(16) +
        ':' +
        ((b[2]! << 8) | b[3]!).toString(16);
    }
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    const fill = tail === undefined ? [] : new Array(8 - headParts.length - tailParts.length).fill('0');
    const groups = [...headParts, ...fill, ...tailParts];
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
  }
  throw new DerError(`"${address}" is not an IP address`);
}

export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return '#' + bytes.toString('hex');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // Longest run of zeros (length ≥ 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

export function subjectAltNameValue(entries: string[]): Buffer {
  return seq(...entries.map(generalName));
}

export function subjectKeyIdValue(keyId: Buffer): Buffer {
  return octetString(keyId);
}

export function authorityKeyIdValue(keyId: Buffer): Buffer {
  return seq(implicitPrimitive(0, keyId));
}

/** Render one GeneralName as `kind:value`. */
export function describeGeneralName(name: GeneralName): string {
  if (name.rfc822Name !== undefined) return 'email:' + name.rfc822Name;
  if (name.dNSName !== undefined) return 'dns:' + name.dNSName;
  if (name.uniformResourceIdentifier !== undefined) return 'uri:' + name.uniformResourceIdentifier;
  if (name.iPAddress !== undefined) return 'ip:' + name.iPAddress;
  if (name.directoryName !== undefined) {
    // asn1-x509 decodes the Name's strings; re-encoded, it prints as the file has it for any valid name.
    return 'dirname:' + decodeName(Buffer.from(AsnConvert.serialize(name.directoryName))).rfc2253;
  }
  if (name.otherName !== undefined) return 'othername:' + name.otherName.typeId;
  if (name.registeredID !== undefined) return 'rid:' + name.registeredID;
  if (name.x400Address !== undefined) return 'unknown:[3]';
  return 'unknown:[5]';
}

const ACCESS_METHODS: Record<string, string> = {
  '1.3.6.1.5.5.7.48.1': 'OCSP',
  '1.3.6.1.5.5.7.48.2': 'CA Issuers',
};

/** Decode one extension value into `out` (unknown ones are remembered when critical). */
export function decodeExtension(
  extOid: string,
  value: Buffer,
  critical: boolean,
  out: DecodedExtensions,
): void {
  const name = EXTENSION_PART[extOid] ?? `extension ${extOid}`;
  switch (extOid) {
    case OID.basicConstraints: {
      const bc = decodeAs(value, BasicConstraints, name);
      const pathLen = bc.pathLenConstraint;
      out.basicConstraints = { ca: bc.cA, critical, ...(pathLen !== undefined ? { pathLen } : {}) };
      return;
    }
    case OID.keyUsage: {
      const bits = decodeAs(value, KeyUsage, name);
      const bytes = bufferOf(bits.value);
      const usages = KEY_USAGE_BITS.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
      out.keyUsage = { usages: [...usages], critical };
      return;
    }
    case OID.extKeyUsage:
      out.extKeyUsage = { oids: [...decodeAs(value, ExtendedKeyUsage, name)], critical };
      return;
    case OID.subjectAltName: {
      const entries = decodeAs(value, SubjectAlternativeName, name).map(describeGeneralName);
      out.subjectAltName = {
        entries,
        dns: entries.filter((e) => e.startsWith('dns:')).map((e) => e.slice(4)),
        ips: entries.filter((e) => e.startsWith('ip:')).map((e) => e.slice(3)),
        critical,
      };
      return;
    }
    case OID.subjectKeyIdentifier:
      out.subjectKeyId = bufferOf(decodeAs(value, SubjectKeyIdentifier, name).buffer);
      return;
    case OID.authorityKeyIdentifier: {
      const keyId = decodeAs(value, AuthorityKeyIdentifier, name).keyIdentifier;
      if (keyId) out.authorityKeyId = bufferOf(keyId.buffer);
      return;
    }
    case OID.crlDistributionPoints: {
      const uris: string[] = [];
      for (const point of decodeAs(value, CRLDistributionPoints, name)) {
        for (const gn of point.distributionPoint?.fullName ?? []) uris.push(describeGeneralName(gn));
      }
      out.crlDistributionPoints = uris;
      return;
    }
    case OID.authorityInfoAccess:
      out.authorityInfoAccess = decodeAs(value, AuthorityInfoAccessSyntax, name).map(
        (access) =>
          `${ACCESS_METHODS[access.accessMethod] ?? access.accessMethod} - ${describeGeneralName(access.accessLocation)}`,
      );
      return;
    case OID.crlNumber: {
      const number = asn1Value(value, name);
      if (!(number instanceof asn1js.Integer)) throw new DecodeError(`${name}: not an INTEGER`);
      out.crlNumber = BigInt('0x' + (Buffer.from(number.valueBlock.valueHexView).toString('hex') || '0'));
      return;
    }
    default:
      if (critical) (out.unknownCritical ??= []).push(extOid);
  }
}

/** Extension names as messages say them. */
const EXTENSION_PART: Record<string, string> = {
  [OID.basicConstraints]: 'basicConstraints',
  [OID.keyUsage]: 'keyUsage',
  [OID.extKeyUsage]: 'extKeyUsage',
  [OID.subjectAltName]: 'subjectAltName',
  [OID.subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [OID.authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [OID.crlDistributionPoints]: 'crlDistributionPoints',
  [OID.authorityInfoAccess]: 'authorityInfoAccess',
  [OID.crlNumber]: 'cRLNumber',
};
