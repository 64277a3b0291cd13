// Scanning X's data files inside the browser, mirroring src/envol/archive/jsfile.py.
//
// A list file (follower.js, 1.5 GB for ten million followers) arrives as inflated chunks and is
// never held whole, nor ever turned into a string: one pass over the bytes counts "{" and "}",
// the item keys ("follower") and reads each "accountId" as two 32-bit halves, exactly (X ids are
// unsigned 64-bit, beyond what a JavaScript number holds). The checks are the server parser's:
// one item key per id, two "{" and two "}" per id, the file ends with "]", every id from 0 to
// 2^64-1, written as 1 to 20 digits in quotes.

import { release } from "./release.js";

export class ArchiveError extends Error {
  constructor(code, file, detail) {
    super(`${code}: ${file}: ${detail}`);
    this.code = code;
    this.file = file;
    this.detail = detail;
  }
}

export const HEAD_BYTES = 4096;
// The key of each item of a list file, as base.ITEM_KEYS: block.js items are {"blocking": …}.
export const ITEM_KEYS = { follower: "follower", following: "following", block: "blocking", mute: "muting" };
const TWO_32 = 4294967296;
const MAX_ITEM_BYTES = 1 << 20;
// Python's \s on bytes: space, \t, \n, \r, \f, \v (JavaScript's \s would take more).
const PREFIX_RE =
  /^[ \t\n\r\f\v]*window\.(?:(YTD\.(\w{1,100})\.part(\d{1,9}))|(__THAR_CONFIG))[ \t\n\r\f\v]*=[ \t\n\r\f\v]*/;
const LIST_END_RE = /^[ \t\n\r\f\v]*\][ \t\n\r\f\v]*;?[ \t\n\r\f\v]*$/;
const ACCOUNT_ID = bytesOf('accountId"');
const latin1 = new TextDecoder("latin1");

function bytesOf(text) {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function isSpace(c) {
  return c === 32 || (c >= 9 && c <= 13);
}

function withoutBom(bytes) {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** The prefix of a data file from its first bytes: {globalName, dataType, part, end} or null. */
export function matchPrefix(head) {
  const text = latin1.decode(withoutBom(head).subarray(0, HEAD_BYTES));
  const m = PREFIX_RE.exec(text);
  if (m === null) return null;
  if (m[4]) return { globalName: "__THAR_CONFIG", dataType: null, part: null, end: m[0].length };
  return { globalName: m[1], dataType: m[2], part: Number(m[3]), end: m[0].length };
}

function parsePrefix(head, member) {
  const prefix = matchPrefix(head);
  if (prefix === null) {
    throw new ArchiveError("malformed", member, "it does not start with window.YTD.<name>.part<N> =");
  }
  return prefix;
}

/** A small file (account.js, manifest.js) read whole: its prefix and its JSON value. */
export function loadDocument(bytes, member) {
  const data = withoutBom(bytes);
  const prefix = parsePrefix(data, member);
  const text = new TextDecoder("utf-8").decode(data.subarray(prefix.end)).replace(/[ \t\n\r\f\v;]+$/, "");
  try {
    return { prefix, doc: JSON.parse(text) };
  } catch (error) {
    throw new ArchiveError("malformed", member, `not valid JSON after its prefix (${error.message})`);
  }
}

/**
 * A growable array of uint64 ids kept as little-endian 32-bit halves (lo, hi). Sized up front from
 * the manifest's count, it never grows for an archive that agrees with its manifest: growing copies
 * the ids into a buffer twice as large, twice their size held for a moment (the old buffer is
 * released at once), and more room than they need afterwards.
 */
export class IdList {
  constructor(capacity) {
    this.words = new Uint32Array(2 * Math.max(capacity, 1024));
    this.length = 0;
  }

  /** Doubles the buffer: called only when it is full. */
  grow() {
    const grown = new Uint32Array(2 * this.words.length);
    grown.set(this.words.subarray(0, 2 * this.length));
    release(this.words);
    this.words = grown;
  }

  /** Give the buffer's memory back now rather than at the next full collection. */
  free() {
    release(this.words);
    this.words = new Uint32Array(0);
    this.length = 0;
  }

  /** The ids, sorted ascending, as a BigUint64Array over the same memory (native sort). */
  sorted() {
    const view = new BigUint64Array(this.words.buffer, 0, this.length);
    view.sort();
    return this.words.subarray(0, 2 * this.length);
  }
}

/**
 * Scans one list file chunk by chunk, appending its ids to an IdList. It keeps no view of a chunk
 * once push() returns (what it carries over is copied), so the reader may release the chunk.
 */
export class ListScanner {
  constructor({ member, direction, expectedGlobalName, ids }) {
    this.member = member;
    this.direction = direction;
    this.expectedGlobalName = expectedGlobalName;
    this.ids = ids;
    this.key = bytesOf(`${ITEM_KEYS[direction]}"`);
    this.head = new Uint8Array(0);
    this.started = false;
    this.carry = new Uint8Array(0);
    this.count = 0;
    this.opens = 0;
    this.closes = 0;
  }

  push(chunk) {
    if (!this.started) {
      this.head = concat(this.head, chunk);
      if (this.head.length < HEAD_BYTES + 3) return;
      this.start();
      return;
    }
    // Segments end just after a "}" so that no id, key or item straddles two of them. Only the
    // carried-over tail and the chunk's first item are joined (a few hundred bytes): the rest of
    // the chunk is scanned where it lies: copying every inflated chunk would mean writing 1.5 GB
    // more for ten million followers, and as much garbage to collect.
    const firstEnd = chunk.indexOf(125) + 1;
    if (firstEnd === 0) {
      this.carry = concat(this.carry, chunk);
      if (this.carry.length > MAX_ITEM_BYTES) {
        throw new ArchiveError("malformed", this.member, "no item ends: it is not a list of accounts");
      }
      return;
    }
    const head = chunk.subarray(0, firstEnd);
    const stitched = this.carry.length ? concat(this.carry, head) : head;
    const lastEnd = chunk.lastIndexOf(125) + 1;
    this.scan(stitched, 0, stitched.length);
    this.scan(chunk, firstEnd, lastEnd);
    this.carry = chunk.slice(lastEnd);
  }

  start() {
    this.started = true;
    const head = withoutBom(this.head);
    this.head = null;
    const prefix = parsePrefix(head, this.member);
    if (prefix.dataType !== this.direction) {
      throw new ArchiveError("malformed", this.member, `it starts with window.${prefix.globalName}`);
    }
    if (this.expectedGlobalName && prefix.globalName !== this.expectedGlobalName) {
      throw new ArchiveError("malformed", this.member, `the manifest expects window.${this.expectedGlobalName}`);
    }
    if (head[prefix.end] !== 91) {
      throw new ArchiveError("malformed", this.member, "no JSON list after its prefix");
    }
    this.push(head.subarray(prefix.end + 1));
  }

  /** Ends the file; returns how many ids it held. */
  finish() {
    if (!this.started) this.start();
    const lastEnd = this.carry.lastIndexOf(125) + 1;
    this.scan(this.carry, 0, lastEnd);
    if (!LIST_END_RE.test(latin1.decode(this.carry.subarray(lastEnd)))) {
      throw new ArchiveError("malformed", this.member, "it is cut short or has extra text: it must end with ]");
    }
    if (!(this.opens === this.closes && this.closes === 2 * this.count)) {
      throw new ArchiveError(
        "malformed",
        this.member,
        `${this.count} accounts but ${this.opens} "{" and ${this.closes} "}"`,
      );
    }
    return this.count;
  }

  scan(buf, start, end) {
    const key = this.key;
    const keyLength = key.length;
    const ids = this.ids;
    let words = ids.words;
    let n = ids.length;
    let keys = 0;
    let found = 0;
    let opens = 0;
    let closes = 0;
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c === 34) {
        const next = buf[i + 1];
        if (next === 97 && startsWith(buf, i + 1, ACCOUNT_ID, end)) {
          // "accountId" [\s]* : [\s]* "digits"
          let j = i + 11;
          while (j < end && isSpace(buf[j])) j++;
          if (buf[j] !== 58) throw this.badId(buf, i, end);
          j++;
          while (j < end && isSpace(buf[j])) j++;
          if (buf[j] !== 34) throw this.badId(buf, i, end);
          j++;
          const first = j;
          let lo = 0;
          let hi = 0;
          while (j < end) {
            const d = buf[j] - 48;
            if (d < 0 || d > 9) break;
            lo = lo * 10 + d;
            const carry = Math.floor(lo / TWO_32);
            lo -= carry * TWO_32;
            hi = hi * 10 + carry;
            j++;
          }
          if (j === first || j - first > 20 || buf[j] !== 34 || hi >= TWO_32) throw this.badId(buf, i, end);
          if (2 * n + 2 > words.length) {
            ids.length = n;
            ids.grow();
            words = ids.words;
          }
          words[2 * n] = lo;
          words[2 * n + 1] = hi;
          n++;
          found++;
          i = j;
        } else if (next === key[0] && startsWith(buf, i + 1, key, end)) {
          keys++;
          i += keyLength;
        }
      } else if (c === 123) {
        opens++;
      } else if (c === 125) {
        closes++;
      }
    }
    ids.length = n;
    if (found !== keys) {
      throw new ArchiveError("malformed", this.member, "each item needs one accountId");
    }
    this.count += found;
    this.opens += opens;
    this.closes += closes;
  }

  badId(buf, at, end) {
    const shown = latin1.decode(buf.subarray(at, Math.min(end, at + 60))).split("\n")[0];
    return new ArchiveError("bad_id", this.member, `an account id that is not a number: ${shown}`);
  }
}

function startsWith(buf, at, bytes, end) {
  if (at + bytes.length > end) return false;
  for (let k = 0; k < bytes.length; k++) {
    if (buf[at + k] !== bytes[k]) return false;
  }
  return true;
}

/** A new array holding a then b: never one of them, since the caller may release b's memory. */
export function concat(a, b) {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
