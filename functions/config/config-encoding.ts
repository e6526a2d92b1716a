/**
 * Config files come from editors that save what they like: Notepad and PowerShell's `Out-File` write a
 * UTF-8 byte order mark or UTF-16. A BOM is harmless and is dropped; any other encoding is named, because
 * read as UTF-8 it fails as "not valid JSON" at a character nobody can see.
 */

/** Why the bytes of a config file are not UTF-8 text; the loader prefixes the file's path. */
export class ConfigEncodingError extends Error {
  override readonly name = 'ConfigEncodingError';
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const BOMS: { bytes: number[]; encoding: string }[] = [
  // The UTF-32 marks first: UTF-32 LE's begins with UTF-16 LE's.
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: 'UTF-32 LE' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: 'UTF-32 BE' },
  { bytes: [0xff, 0xfe], encoding: 'UTF-16 LE' },
  { bytes: [0xfe, 0xff], encoding: 'UTF-16 BE' },
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/**
 * UTF-16 without a BOM, told by its NUL bytes: JSON text is mostly ASCII, which UTF-16 LE stores as
 * `c 00` and UTF-16 BE as `00 c`. Looks at the first 64 code units.
 */
function unmarkedUtf16(bytes: Uint8Array): string | undefined {
  const units = Math.min(64, Math.floor(bytes.length / 2));
  if (units === 0) return undefined;
  let oddNuls = 0;
  let evenNuls = 0;
  for (let u = 0; u < units; u++) {
    if (bytes[2 * u] === 0) evenNuls++;
    if (bytes[2 * u + 1] === 0) oddNuls++;
  }
  if (oddNuls * 2 >= units && evenNuls === 0) return 'UTF-16 LE';
  if (evenNuls * 2 >= units && oddNuls === 0) return 'UTF-16 BE';
  return undefined;
}

/**
 * The text of a config file: UTF-8, with a leading byte order mark removed.
 * @throws ConfigEncodingError naming the encoding (UTF-16 LE/BE, UTF-32), a NUL byte, or invalid UTF-8
 */
export function decodeConfigText(bytes: Uint8Array): string {
  const marked = BOMS.find((b) => startsWith(bytes, b.bytes))?.encoding;
  const encoding = marked ?? unmarkedUtf16(bytes);
  if (encoding !== undefined) throw new ConfigEncodingError(`is ${encoding}${marked ? ' (it starts with a byte order mark)' : ''}; save it as UTF-8`);
  const body = startsWith(bytes, UTF8_BOM) ? bytes.subarray(UTF8_BOM.length) : bytes;
  const nul = body.indexOf(0);
  if (nul >= 0) throw new ConfigEncodingError(`holds a NUL byte at byte ${nul + (body === bytes ? 0 : UTF8_BOM.length)}: it is not UTF-8 text; save it as UTF-8`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch (cause) {
    throw new ConfigEncodingError('is not valid UTF-8 (perhaps Latin-1 or Windows-1252); save it as UTF-8', { cause });
  }
}
