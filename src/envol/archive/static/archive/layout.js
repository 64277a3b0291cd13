// Which members we need, by name only: a port of src/envol/archive/members.py.
// Accepted: data/<file>, <file> at the root, either under one extra top folder; __MACOSX/ and
// dot-files ignored; names matched whole (periscope-followers.js is not follower.js).
// profile.js only feeds suggestions: a copy away from the other files, or two copies, are ignored
// rather than refused.

import { ArchiveError } from "./scan.js";

const FILE_NAME_RE = /^(?:(follower|following|block|mute)(?:-part(\d{1,6}))?|(account|manifest|profile))\.js$/;

/** {kind, part, folder} for a member name, or null if we do not need it. */
export function roleOfName(name) {
  const folders = name.split("/");
  const base = folders.pop();
  if (!folders.length && !base) return null;
  if (folders.includes("__MACOSX") || base.startsWith(".")) return null;
  if (folders.length > 2 || (folders.length === 2 && folders[1] !== "data")) return null;
  const m = FILE_NAME_RE.exec(base);
  if (m === null) return null;
  return { kind: m[1] || m[3], part: Number(m[2] || 0), folder: folders.join("/") };
}

/** Group [member, role] pairs: {lists: {follower: Map(part → member), following}, account, manifest, profile}. */
export function buildLayout(pairs, label) {
  const seen = new Map();
  const folders = new Map();
  const profiles = [];
  for (const [member, role] of pairs) {
    if (role.kind === "profile") {
      profiles.push([member, role]);
      continue;
    }
    const key = `${role.kind}:${role.part}`;
    if (seen.has(key)) {
      throw new ArchiveError("duplicate_member", member, `${label} holds ${seen.get(key)} and ${member}`);
    }
    seen.set(key, member);
    if (!folders.has(role.folder)) folders.set(role.folder, member);
  }
  if (folders.size > 1) {
    const [first, second] = [...folders.values()];
    throw new ArchiveError("duplicate_member", second, `mixes ${first} and ${second}: several archives`);
  }
  const lists = { follower: new Map(), following: new Map(), block: new Map(), mute: new Map() };
  const layout = { lists, account: null, manifest: null, profile: null };
  for (const [member, role] of pairs) {
    if (role.kind === "account") layout.account = member;
    else if (role.kind === "manifest") layout.manifest = member;
    else if (role.kind !== "profile") layout.lists[role.kind].set(role.part, member);
  }
  const folder = folders.size ? folders.keys().next().value : null;
  const beside = profiles.filter(([, role]) => role.folder === folder);
  if (beside.length === 1) layout.profile = beside[0][0]; // two copies: which one is the owner's?
  return layout;
}

export function layoutFromNames(names, label) {
  const pairs = [];
  for (const name of names) {
    const role = roleOfName(name);
    if (role !== null) pairs.push([name, role]);
  }
  return buildLayout(pairs, label);
}
