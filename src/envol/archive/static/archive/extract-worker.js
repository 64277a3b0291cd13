// The Web Worker that reads an X archive inside the browser and prepares the compact upload.
// It mirrors src/envol/archive/parse.py: cheap checks first (zip sanity, owner, lists present,
// sizes), then the lists, part after part, each count checked against the manifest. Nothing but
// the owner's id and handle, the bio and website of profile.js (the owner's own words, where
// matching looks for their Bluesky or Mastodon address) and the follower/following ids ever
// leaves this worker — and the block and mute ids (block.js, mute.js), only when the person asked
// Envol to honour them (`safety`).
//
// In:  {files: [File, …], verifiedXId: "123" | null, safety: true | false}
// Out: {type: "progress", phase: "reading" | "checking", done, total}
//      {type: "error", code, file, detail}
//      {type: "done", blob, owner, counts: {follower, following}, timings}

import { encodeUpload } from "./compact.js";
import { buildLayout, layoutFromNames } from "./layout.js";
import { release } from "./release.js";
import { ArchiveError, HEAD_BYTES, IdList, ListScanner, loadDocument, matchPrefix } from "./scan.js";
import { LIMITS, checkEntry, looksLikeZip, readCentralDirectory, readMember } from "./zip.js";

const DIRECTIONS = ["follower", "following"];
const SAFETY_LISTS = ["block", "mute"]; // optional: a missing block.js never fails an upload
const U64_MAX = 2n ** 64n - 1n;
const MAX_PROFILE_BYTES = 1 << 20; // as src/envol/archive/profile.py
const MAX_TEXT_CHARS = 4096;

self.onmessage = async (event) => {
  try {
    const result = await extract(event.data.files, event.data.verifiedXId || null, Boolean(event.data.safety));
    self.postMessage({ type: "done", ...result });
  } catch (error) {
    const known = error instanceof ArchiveError;
    self.postMessage({
      type: "error",
      code: known ? error.code : "internal",
      file: known ? error.file : "",
      detail: known ? error.detail : String(error && error.stack ? error.stack : error),
    });
  }
};

let lastReport = 0;
function report(phase, done, total, force = false) {
  const now = performance.now();
  if (!force && now - lastReport < 100) return;
  lastReport = now;
  self.postMessage({ type: "progress", phase, done, total });
}

async function extract(files, verifiedXId, safety) {
  const started = performance.now();
  report("reading", 0, 1, true);
  const store = await openStore(files);
  const layout = store.layout;
  if (!layout.lists.follower.size && !layout.lists.following.size) {
    throw new ArchiveError("no_lists", store.label, "neither follower.js nor following.js");
  }
  const manifest = layout.manifest ? parseManifest(await readDocument(store, layout.manifest), layout.manifest) : null;
  const owner = await readOwner(store, layout, manifest);
  if (verifiedXId !== null && owner !== null && owner.id !== verifiedXId) {
    throw new ArchiveError("not_your_archive", layout.account || layout.manifest, `owner ${owner.id}`);
  }
  if (verifiedXId === null && owner === null) {
    throw new ArchiveError("no_owner", store.label, "no account.js nor manifest.js");
  }
  const profile = layout.profile === null ? null : await readProfile(store, layout.profile);
  const plans = {};
  const read = DIRECTIONS.concat(safety ? SAFETY_LISTS.filter((d) => layout.lists[d].size) : []);
  for (const direction of read) {
    plans[direction] = planParts(direction, layout, manifest);
    for (const part of plans[direction]) store.check(part.member);
  }
  const totalBytes = read.flatMap((d) => plans[d]).reduce((sum, p) => sum + store.packedSize(p.member), 0);
  let readBytes = 0;
  const lists = {};
  const header = { owner: owner && { id: owner.id, handle: owner.handle, name: owner.name } };
  if (profile !== null) header.profile = profile;
  for (const direction of read) {
    const expected = expectedCount(plans[direction], manifest, direction);
    // Sized from the manifest (eight bytes an id), within reason: a forged count only costs growth.
    const ids = new IdList(Math.min(expected === null ? 1 << 16 : expected, 1 << 26));
    for (const part of plans[direction]) {
      const scanner = new ListScanner({ member: part.member, direction, expectedGlobalName: part.globalName, ids });
      await store.read(part.member, {
        onChunk: (chunk) => scanner.push(chunk),
        onInput: (n) => {
          readBytes += n;
          report("reading", readBytes, totalBytes);
        },
      });
      const count = scanner.finish();
      if (part.expectedCount !== null && count !== part.expectedCount) {
        throw new ArchiveError("count_mismatch", part.member, `${count} accounts, the manifest says ${part.expectedCount}`);
      }
    }
    lists[direction] = ids;
    header[direction] = { count: ids.length, expected, files: plans[direction].map((p) => p.member) };
  }
  const readAt = performance.now();
  report("checking", 0, 1, true);
  const counts = { follower: lists.follower.length, following: lists.following.length };
  const blob = await encodeUpload(header, lists, (done, total) => report("checking", done, total));
  report("checking", 1, 1, true);
  const timings = { readingMs: readAt - started, checkingMs: performance.now() - readAt };
  return { blob, owner, counts, timings };
}

// --- where the members come from: a zip, or loose .js files --------------------------------

async function openStore(files) {
  if (!files.length) throw new ArchiveError("unsupported_input", "", "no file was given");
  if (files.length === 1) {
    const file = files[0];
    if (await looksLikeZip(file)) return zipStore(file);
    if (matchPrefix(await headOf(file)) === null) {
      throw new ArchiveError("not_a_zip", file.name, "not a zip archive nor an X data file");
    }
    return looseStore(files);
  }
  for (const file of files) {
    if (await looksLikeZip(file)) throw new ArchiveError("unsupported_input", file.name, "a zip among .js files");
  }
  return looseStore(files);
}

async function headOf(file) {
  return new Uint8Array(await file.slice(0, HEAD_BYTES + 3).arrayBuffer());
}

async function zipStore(file) {
  const entries = new Map((await readCentralDirectory(file)).map((entry) => [entry.name, entry]));
  return {
    label: file.name,
    layout: layoutFromNames(entries.keys(), file.name),
    check: (member) => checkEntry(entries.get(member), file.name),
    packedSize: (member) => entries.get(member).compressedSize,
    read: (member, callbacks) => readMember(file, entries.get(member), callbacks),
  };
}

async function looseStore(files) {
  const byMember = new Map();
  const pairs = [];
  for (const [index, file] of files.entries()) {
    const member = byMember.has(file.name) ? `${file.name} (${index + 1})` : file.name;
    byMember.set(member, file);
    const prefix = matchPrefix(await headOf(file));
    if (prefix === null) {
      throw new ArchiveError("malformed", member, "not a file from an X archive (no window.YTD)");
    }
    if (prefix.dataType === null) pairs.push([member, { kind: "manifest", part: 0, folder: "" }]);
    else if (["follower", "following", "block", "mute", "account", "profile"].includes(prefix.dataType)) {
      pairs.push([member, { kind: prefix.dataType, part: prefix.part, folder: "" }]);
    }
  }
  return {
    label: "the uploaded files",
    layout: buildLayout(pairs, "the uploaded files"),
    check: (member) => {
      if (byMember.get(member).size > LIMITS.maxMemberBytes) {
        throw new ArchiveError("zip_bomb", member, "larger than the limit");
      }
    },
    packedSize: (member) => byMember.get(member).size,
    read: (member, callbacks) => readLoose(byMember.get(member), callbacks),
  };
}

async function readLoose(file, { onChunk, onInput }) {
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onInput(value.length);
    onChunk(value);
    release(value); // as readMember does: the scanner copies what it keeps
  }
}

async function readDocument(store, member, maxBytes = LIMITS.maxDocumentBytes) {
  store.check(member);
  const chunks = [];
  let size = 0;
  await store.read(member, {
    onChunk: (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        throw new ArchiveError("malformed", member, `larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk.slice());
    },
    onInput: () => {},
  });
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return loadDocument(bytes, member);
}

// --- account.js and manifest.js: a port of src/envol/archive/manifest.py ---------------------

function accountId(value, member) {
  if (typeof value === "string" && /^[0-9]{1,20}$/.test(value) && BigInt(value) <= U64_MAX) {
    return BigInt(value).toString();
  }
  throw new ArchiveError("bad_id", member, `an owner account id that is not a number: ${JSON.stringify(value)}`);
}

function text(value, field, member) {
  if (typeof value !== "string") throw new ArchiveError("malformed", member, `${field} is not text`);
  return value;
}

function count(value, member) {
  if (Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^[0-9]{1,20}$/.test(value)) return Number(value);
  throw new ArchiveError("malformed", member, `a count that is not a whole number: ${JSON.stringify(value)}`);
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseManifest({ prefix, doc }, member) {
  if (prefix.globalName !== "__THAR_CONFIG" || !isObject(doc)) {
    throw new ArchiveError("malformed", member, "it should be window.__THAR_CONFIG = {…}");
  }
  const user = doc.userInfo;
  let owner = null;
  if (isObject(user) && "accountId" in user) {
    owner = {
      id: accountId(user.accountId, member),
      handle: text(user.userName ?? "", "userName", member),
      name: text(user.displayName ?? "", "displayName", member),
    };
  }
  const dataTypes = doc.dataTypes ?? {};
  if (!isObject(dataTypes)) throw new ArchiveError("malformed", member, "dataTypes is not an object");
  const lists = {};
  for (const direction of DIRECTIONS.concat(SAFETY_LISTS)) {
    if (!(direction in dataTypes)) continue;
    const files = isObject(dataTypes[direction]) ? dataTypes[direction].files : null;
    if (!Array.isArray(files)) throw new ArchiveError("malformed", member, `${direction} without its files`);
    lists[direction] = files.map((item) => {
      if (!isObject(item) || typeof item.fileName !== "string") {
        throw new ArchiveError("malformed", member, `a ${direction} file without a fileName`);
      }
      return {
        fileName: item.fileName,
        globalName: typeof item.globalName === "string" ? item.globalName : null,
        count: count(item.count, member),
      };
    });
  }
  return { owner, lists };
}

async function readOwner(store, layout, manifest) {
  const fromManifest = manifest ? manifest.owner : null;
  if (layout.account === null) return fromManifest;
  const member = layout.account;
  const { prefix, doc } = await readDocument(store, member);
  if (prefix.dataType !== "account") {
    throw new ArchiveError("malformed", member, `it should start with window.YTD.account, not ${prefix.globalName}`);
  }
  const entry = Array.isArray(doc) && doc.length ? doc[0] : null;
  const account = isObject(entry) ? entry.account : null;
  if (!isObject(account)) throw new ArchiveError("malformed", member, 'a list holding one {"account": …}');
  const owner = {
    id: accountId(account.accountId, member),
    handle: text(account.username, "username", member),
    name: text(account.accountDisplayName ?? "", "accountDisplayName", member),
  };
  if (fromManifest !== null && fromManifest.id !== owner.id) {
    throw new ArchiveError("owner_mismatch", member, `${owner.id} and ${fromManifest.id}`);
  }
  return owner;
}

// --- profile.js: a port of src/envol/archive/profile.py -------------------------------------

/** {bio, website}, or null when the file cannot be read: it only feeds suggestions, so a bad one
 * never stops the upload (the server-side path ignores it the same way). */
async function readProfile(store, member) {
  let document;
  try {
    document = await readDocument(store, member, MAX_PROFILE_BYTES);
  } catch {
    return null;
  }
  const { prefix, doc } = document;
  if (prefix.dataType !== "profile") return null;
  const entry = Array.isArray(doc) && doc.length ? doc[0] : null;
  const profile = isObject(entry) ? entry.profile : null;
  const description = isObject(profile) ? profile.description : null;
  if (!isObject(description)) return { bio: "", website: "" }; // X omits an empty profile's
  const bio = typeof description.bio === "string" ? description.bio : "";
  const website = typeof description.website === "string" ? description.website : "";
  return longerThan(bio, MAX_TEXT_CHARS) || longerThan(website, MAX_TEXT_CHARS) ? null : { bio, website };
}

/** Whether the text has more than `most` characters (code points, as Python counts them). */
function longerThan(text, most) {
  let count = 0;
  for (const _ of text) if (++count > most) return true;
  return false;
}

// --- the parts of each list: a port of parse._plan_parts ------------------------------------

function planParts(direction, layout, manifest) {
  const found = layout.lists[direction];
  const planned = new Map();
  const listed = manifest && manifest.lists[direction] ? manifest.lists[direction] : [];
  for (const entry of listed) {
    const base = entry.fileName.split("/").pop();
    const match = /^(follower|following|block|mute)(?:-part(\d{1,6}))?\.js$/.exec(base);
    const part = match ? Number(match[2] || 0) : -1;
    if (!match || match[1] !== direction || planned.has(part)) {
      throw new ArchiveError("malformed", layout.manifest, `it lists an unexpected ${direction} file: ${entry.fileName}`);
    }
    const member = found.get(part);
    if (member === undefined) {
      if (entry.count > 0 && !SAFETY_LISTS.includes(direction)) {
        throw new ArchiveError("missing_list", entry.fileName, `${entry.count} accounts`);
      }
      continue;
    }
    planned.set(part, { member, expectedCount: entry.count, globalName: entry.globalName });
  }
  for (const [part, member] of found) {
    if (!planned.has(part)) planned.set(part, { member, expectedCount: null, globalName: null });
  }
  return [...planned.keys()].sort((a, b) => a - b).map((part) => planned.get(part));
}

function expectedCount(parts, manifest, direction) {
  const listed = manifest ? manifest.lists[direction] : undefined;
  if (listed === undefined || parts.some((part) => part.expectedCount === null)) return null;
  return listed.reduce((sum, entry) => sum + entry.count, 0);
}
