// Reading a zip where it lies: the central directory by File.slice (Zip64 included), then only
// the members we need, inflated by the browser's own DecompressionStream. The checks mirror
// src/envol/archive/zipsource.py and zipmember.py: entry count, encryption, method, declared
// sizes and ratio (zip bombs), output beyond the declared size, size and CRC-32 at the end.

import { release } from "./release.js";
import { ArchiveError } from "./scan.js";

export const LIMITS = {
  maxMemberBytes: 64 * 2 ** 30,
  maxCompressionRatio: 100,
  ratioCheckMinBytes: 2 ** 20,
  maxZipEntries: 250000,
  maxDocumentBytes: 16 * 2 ** 20,
};
const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const METHOD_NAMES = { 9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES" };

async function bytesAt(file, start, end) {
  return new Uint8Array(await file.slice(start, end).arrayBuffer());
}

function u64(view, at) {
  return Number(view.getBigUint64(at, true));
}

/** True when the file starts like a zip or ends with a zip's end record. */
export async function looksLikeZip(file) {
  const first = await bytesAt(file, 0, 4);
  if (first.length === 4) {
    const sig = new DataView(first.buffer).getUint32(0, true);
    if (sig === LOCAL || sig === EOCD) return true;
  }
  return (await findEnd(file)) !== null;
}

async function findEnd(file) {
  const start = Math.max(0, file.size - (22 + 0xffff));
  const tail = await bytesAt(file, start, file.size);
  const view = new DataView(tail.buffer);
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail[at] === 0x50 && view.getUint32(at, true) === EOCD) return { offset: start + at, view, at };
  }
  return null;
}

/** The zip's entries (files only) by name: {name, flags, method, crc, compressedSize, size, offset}. */
export async function readCentralDirectory(file) {
  const end = await findEnd(file);
  if (end === null) {
    const first = await bytesAt(file, 0, 4);
    if (first.length === 4 && new DataView(first.buffer).getUint32(0, true) === LOCAL) {
      throw new ArchiveError("truncated", file.name, "its end is missing");
    }
    throw new ArchiveError("not_a_zip", file.name, "not a zip archive nor an X data file");
  }
  const { view, at } = end;
  let entries = view.getUint16(at + 10, true);
  let cdSize = view.getUint32(at + 12, true);
  let cdOffset = view.getUint32(at + 16, true);
  if (end.offset >= 20) {
    const locator = new DataView((await bytesAt(file, end.offset - 20, end.offset)).buffer);
    if (locator.getUint32(0, true) === EOCD64_LOCATOR) {
      const recordAt = u64(locator, 8);
      const record = new DataView((await bytesAt(file, recordAt, recordAt + 56)).buffer);
      if (record.byteLength < 56 || record.getUint32(0, true) !== EOCD64) {
        throw new ArchiveError("truncated", file.name, "its Zip64 end record is missing");
      }
      entries = u64(record, 32);
      cdSize = u64(record, 40);
      cdOffset = u64(record, 48);
    }
  }
  if (entries > LIMITS.maxZipEntries) {
    throw new ArchiveError("zip_bomb", file.name, `${entries} files, more than ${LIMITS.maxZipEntries}`);
  }
  if (cdOffset + cdSize > file.size) {
    throw new ArchiveError("truncated", file.name, "its table of files lies beyond its end");
  }
  const cd = await bytesAt(file, cdOffset, cdOffset + cdSize);
  return parseEntries(cd, entries, file.name);
}

function parseEntries(cd, expected, label) {
  const view = new DataView(cd.buffer);
  const utf8 = new TextDecoder("utf-8");
  const result = [];
  let at = 0;
  while (at + 46 <= cd.length && view.getUint32(at, true) === CENTRAL) {
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const entry = {
      name: utf8.decode(cd.subarray(at + 46, at + 46 + nameLength)),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      offset: view.getUint32(at + 42, true),
    };
    readZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    if (!entry.name.endsWith("/")) result.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (result.length === 0 && expected > 0) {
    throw new ArchiveError("truncated", label, "its table of files is damaged");
  }
  return result;
}

function readZip64Extra(view, start, length, entry) {
  // Zip64 extra field (id 1): the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 1) {
      let field = at + 4;
      for (const key of ["size", "compressedSize", "offset"]) {
        if (entry[key] === 0xffffffff && field + 8 <= at + 4 + size) {
          entry[key] = u64(view, field);
          field += 8;
        }
      }
    }
    at += 4 + size;
  }
}

/** Refuse a member from what the central directory says, before reading it. */
export function checkEntry(entry, label) {
  if (entry.flags & 1) {
    throw new ArchiveError("unsupported_zip", entry.name, `encrypted in ${label}`);
  }
  if (entry.method === 9) {
    throw new ArchiveError("deflate64", entry.name, "Deflate64, which browsers do not read");
  }
  if (entry.method !== 0 && entry.method !== 8) {
    const method = METHOD_NAMES[entry.method] || `method ${entry.method}`;
    throw new ArchiveError("unsupported_zip", entry.name, `compressed with ${method}`);
  }
  if (entry.size > LIMITS.maxMemberBytes) {
    throw new ArchiveError("zip_bomb", entry.name, `declares ${entry.size} bytes once unpacked`);
  }
  const ratio = entry.size / Math.max(entry.compressedSize, 1);
  if (entry.size >= LIMITS.ratioCheckMinBytes && ratio > LIMITS.maxCompressionRatio) {
    throw new ArchiveError("zip_bomb", entry.name, `claims to unpack ${Math.round(ratio)} times larger`);
  }
}

/**
 * Inflate one member, calling onChunk(bytes) for each piece of output and onInput(n) for each
 * piece of compressed input read. Refuses output beyond the declared size; checks size and CRC.
 * Each piece is released once onChunk returns: onChunk must copy whatever it keeps.
 */
export async function readMember(file, entry, { onChunk, onInput = () => {}, signal }) {
  checkEntry(entry, file.name);
  const header = await bytesAt(file, entry.offset, entry.offset + 30);
  const view = new DataView(header.buffer);
  if (header.length < 30 || view.getUint32(0, true) !== LOCAL) {
    throw new ArchiveError("truncated", entry.name, "its header is missing");
  }
  const dataStart = entry.offset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
  if (dataStart + entry.compressedSize > file.size) {
    throw new ArchiveError("truncated", entry.name, "the file ends early");
  }
  const input = file.slice(dataStart, dataStart + entry.compressedSize).stream();
  const reader = (entry.method === 8 ? inflate(input, onInput) : counted(input, onInput)).getReader();
  let finished = false;
  let produced = 0;
  let crc = 0;
  // A scan error inside a damaged member is the damage's doing: read on to the checksum, which
  // then names the real problem; an intact member gets the scan error itself.
  let scanError = null;
  try {
    for (;;) {
      if (signal && signal.aborted) throw new ArchiveError("cancelled", entry.name, "cancelled");
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        throw new ArchiveError("truncated", entry.name, `bad compressed data: ${error.message}`);
      }
      if (step.done) {
        finished = true;
        break;
      }
      produced += step.value.length;
      if (produced > entry.size) {
        throw new ArchiveError("zip_bomb", entry.name, `unpacks to more than the ${entry.size} bytes declared`);
      }
      crc = crc32(crc, step.value);
      if (scanError === null) {
        try {
          onChunk(step.value);
        } catch (error) {
          if (!(error instanceof ArchiveError)) throw error;
          scanError = error;
        }
      }
      release(step.value); // onChunk keeps no view of it (see release.js for why)
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {}); // stops the inflater and the file's reading
    reader.releaseLock();
  }
  if (produced !== entry.size) {
    throw new ArchiveError("truncated", entry.name, `${produced} bytes instead of ${entry.size}`);
  }
  if (crc !== entry.crc) throw new ArchiveError("truncated", entry.name, "checksum mismatch");
  if (scanError !== null) throw scanError;
}

/** A stored member's bytes as they are, counted as compressed input. */
function counted(input, onInput) {
  return input.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        onInput(chunk.length);
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * The inflated bytes of a raw deflate stream, by the browser's DecompressionStream. The compressed
 * chunks are fed by hand rather than piped, so that each is released as soon as the inflater has
 * taken it in (its write has resolved): piped, they wait for a full collection like the inflated
 * ones (20-30 MB more at the peak for ten million followers). The next chunk is read meanwhile.
 */
function inflate(input, onInput) {
  const inflater = new DecompressionStream("deflate-raw");
  // An error while feeding errors the inflater too: the reader of its readable side reports it.
  feed(input.getReader(), inflater.writable.getWriter(), onInput).catch(() => {});
  return inflater.readable;
}

async function feed(reader, writer, onInput) {
  let writing = null;
  let previous = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (writing !== null) {
        await writing;
        release(previous);
      }
      if (done) break;
      onInput(value.length);
      writing = writer.write(value);
      previous = value;
    }
    await writer.close();
  } catch (error) {
    reader.cancel(error).catch(() => {});
    writer.abort(error).catch(() => {});
    throw error;
  }
}

// CRC-32 (zip's polynomial), eight bytes a step: about 0.8 GB/s in V8, a small part of the time.
const TABLE = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) {
    const previous = TABLE[(t - 1) * 256 + n];
    TABLE[t * 256 + n] = (previous >>> 8) ^ TABLE[previous & 255];
  }
}

export function crc32(crc, buf) {
  const T = TABLE;
  let c = ~crc;
  let i = 0;
  const n = buf.length;
  for (; i + 8 <= n; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      T[1792 + (c & 255)] ^
      T[1536 + ((c >>> 8) & 255)] ^
      T[1280 + ((c >>> 16) & 255)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + buf[i + 4]] ^
      T[512 + buf[i + 5]] ^
      T[256 + buf[i + 6]] ^
      T[buf[i + 7]];
  }
  for (; i < n; i++) c = T[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return ~c >>> 0;
}
