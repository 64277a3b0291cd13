// The compact upload (format: src/envol/archive/compact.py): a gzip stream of the mark
// "ENVOLIDS" 1, a JSON header, then each list's sorted ids as unsigned LEB128 distances.

import { release } from "./release.js";

const MAGIC = Uint8Array.from("ENVOLIDS\x01", (c) => c.charCodeAt(0));
const BLOCK = 1 << 20;
const PART_BYTES = 4 << 20; // compressed bytes gathered before they become a Blob

/**
 * Compress the header and the lists into a Blob. `lists` maps "follower"/"following" to IdList
 * objects; each is sorted in place, encoded, then freed (unusable afterwards).
 */
export async function encodeUpload(header, lists, onProgress = () => {}) {
  const compressor = new CompressionStream("gzip");
  const writer = compressor.writable.getWriter();
  const collected = collect(compressor.readable);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const start = new Uint8Array(MAGIC.length + 4 + head.length);
  start.set(MAGIC);
  new DataView(start.buffer).setUint32(MAGIC.length, head.length, true);
  start.set(head, MAGIC.length + 4);
  await writer.write(start);
  // The follow lists, then block and mute lists when the person asked Envol to honour them.
  const order = ["follower", "following", "block", "mute"].filter((d) => d in lists);
  const total = order.reduce((sum, d) => sum + lists[d].length, 0);
  let done = 0;
  // One buffer for every block: a write resolves once the compressor has taken the bytes in.
  const out = new Uint8Array(BLOCK + 16);
  for (const direction of order) {
    const words = lists[direction].sorted();
    const count = lists[direction].length;
    let used = 0;
    let plo = 0;
    let phi = 0;
    for (let i = 0; i < count; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      // distance to the previous id, in two 32-bit halves with a borrow
      let dlo = lo - plo;
      let dhi = hi - phi;
      if (dlo < 0) {
        dlo += 4294967296;
        dhi -= 1;
      }
      plo = lo;
      phi = hi;
      while (dhi > 0 || dlo >= 128) {
        out[used++] = (dlo & 127) | 128;
        dlo = ((dlo >>> 7) | ((dhi & 127) << 25)) >>> 0;
        dhi >>>= 7;
      }
      out[used++] = dlo;
      if (used >= BLOCK) {
        await writer.write(out.subarray(0, used));
        used = 0;
        onProgress(done + i, total);
      }
    }
    if (used) await writer.write(out.subarray(0, used));
    lists[direction].free();
    done += count;
    onProgress(done, total);
  }
  await writer.close();
  return new Blob(await collected, { type: "application/octet-stream" });
}

/**
 * The compressed stream as Blobs of about PART_BYTES each. A Blob copies what it is made of and
 * hands it to the browser's blob storage, outside this worker: the chunks are released as soon as
 * they are copied, so that the renderer never holds the whole upload (40 MB for ten million ids).
 */
async function collect(readable) {
  const parts = [];
  let chunks = [];
  let size = 0;
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (!done) {
      chunks.push(value);
      size += value.length;
    }
    if (chunks.length && (done || size >= PART_BYTES)) {
      parts.push(new Blob(chunks));
      for (const chunk of chunks) release(chunk);
      chunks = [];
      size = 0;
    }
    if (done) return parts;
  }
}
