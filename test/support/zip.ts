/**
 * Reads a zip file (a .vsix) without an unzip binary: the entries from its central directory, and
 * an entry's bytes (stored or deflated). Enough for the archives vsce writes: no ZIP64, no
 * encryption, one disk.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export class ZipArchive {
  readonly entries: ZipEntry[];
  private readonly bytes: Buffer;

  constructor(path: string) {
    this.bytes = readFileSync(path);
    this.entries = readCentralDirectory(this.bytes, path);
  }

  get names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  read(name: string): Buffer {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) throw new Error(`no entry ${name} in the archive (it has ${this.names.join(', ')})`);
    const at = entry.localHeaderOffset;
    if (this.bytes.readUInt32LE(at) !== LOCAL_FILE_HEADER) throw new Error(`${name}: no local file header at ${at}`);
    const start = at + 30 + this.bytes.readUInt16LE(at + 26) + this.bytes.readUInt16LE(at + 28);
    const data = this.bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return Buffer.from(data);
    if (entry.method === 8) return inflateRawSync(data);
    throw new Error(`${name}: compression method ${entry.method} is not read here`);
  }

  text(name: string): string {
    return this.read(name).toString('utf8');
  }
}

function readCentralDirectory(bytes: Buffer, path: string): ZipEntry[] {
  // The end record is the last 22 bytes, plus a comment of at most 65,535 bytes.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error(`${path} is not a zip file (no end of central directory record)`);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`${path}: central directory entry ${i} is broken (offset ${at})`);
    const nameLength = bytes.readUInt16LE(at + 28);
    entries.push({
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}
