/**
 * Linear-time text helpers for file content. Regexes such as `/[ \t]+$/`, `/\r+$/` or
 * `/(.+?)[ \t]*$/` backtrack quadratically on a long run of blanks that is not at the end of a line, and
 * `/BEGIN[\s\S]+?END/g` is quadratic on many BEGINs without an END; every parser of user files uses
 * these loops instead.
 */

/** `s` without the trailing characters found in `chars`. */
export function trimEndOf(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `s` without the leading characters found in `chars`. */
export function trimStartOf(s: string, chars: string): string {
  let start = 0;
  while (start < s.length && chars.includes(s[start]!)) start++;
  return start === 0 ? s : s.slice(start);
}

/** `s` without the characters of `chars` at either end. */
export function trimOf(s: string, chars: string): string {
  return trimStartOf(trimEndOf(s, chars), chars);
}

const BEGIN_CERT = '-----BEGIN CERTIFICATE-----';
const END_CERT = '-----END CERTIFICATE-----';

/**
 * Every `-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----` block of a text, in order (what
 * `/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g` finds), in one pass.
 */
export function pemCertificateBlocks(text: string): string[] {
  const blocks: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(BEGIN_CERT, from);
    if (start === -1) return blocks;
    const end = text.indexOf(END_CERT, start + BEGIN_CERT.length + 1);
    if (end === -1) return blocks;
    blocks.push(text.slice(start, end + END_CERT.length));
    from = end + END_CERT.length;
  }
}
