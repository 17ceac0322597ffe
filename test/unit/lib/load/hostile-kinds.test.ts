/**
 * Every kind's loader gets the same hostile files: one table of shapes (empty, null, scalars, deep nesting, huge
 * strings, control characters and NUL, a BOM, duplicate keys, alias bombs, tags, `__proto__`/`constructor` keys,
 * non-UTF-8 bytes, several documents, binary) and seeded mutations of a valid file, fed for each name of
 * KIND_NAMES through checkFiles and the loader. Asserted for each: no exception escapes, every diagnostic has a
 * file, a line and a column, nothing of a file with an error is loaded and the result is then not ok, nothing is
 * polluted, and the check is fast. A new kind is covered by being in the table.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkFiles,
  checkRepository,
  KIND_NAMES,
  loadRepositoryFiles,
  sizedFile,
  type KindName,
  type RawFile,
} from "../../../../lib";
import { prng } from "../../../support/prng";
import { GROUP, makeRepo, USER } from "../../../support/repo";

const enc = (s: string) => new TextEncoder().encode(s);
const file = (path: string, bytes: Uint8Array): RawFile => sizedFile(path, bytes.length, () => bytes);

/** A valid file of each kind: mutations of it reach past the first refusal. */
const VALID: Record<KindName, string> = {
  groups: GROUP,
  users: USER("alice"),
  m2m: "name: bot\ngroups: [tools-users]\n",
  "access-tests": "- identity: {user: alice}\n  allow:\n    - {server: currenttime, method: ping}\n",
  "rate-limits": "- mcp_server: currenttime\n  window_seconds: 60\n  max_requests: 5\n",
  "identity-providers":
    "alias: corp\noidc:\n  issuer: https://idp.example.com\n  client_id: c\n" +
    "  authorization_url: https://idp.example.com/auth\n  token_url: https://idp.example.com/token\nmappers:\n" +
    "  - {claim: groups, value: a, group: tools-users}\n",
  "tool-blocks": "- server: currenttime\n  tool: now\n  reason: prompt injection in its description\n",
};

const bomb = (levels: number) => {
  let s = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < levels; i++)
    s += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(",")}]\n`;
  return s;
};

/** The shapes, as bytes; each is fed with .yaml and .json names. */
const SHAPES: Record<string, Uint8Array> = {
  empty: enc(""),
  "only a comment": enc("# nothing\n"),
  null: enc("null\n"),
  tilde: enc("~\n"),
  number: enc("42\n"),
  boolean: enc("true\n"),
  string: enc('"a string"\n'),
  "empty list": enc("[]\n"),
  "empty mapping": enc("{}\n"),
  "list of scalars": enc("- 1\n- x\n- null\n"),
  "deep flow nesting": enc("[".repeat(20000) + "]".repeat(20000)),
  "deep block nesting": enc(Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1\n"),
  "huge string": enc(`name: "${"x".repeat(900_000)}"\n`),
  "huge key": enc(`${"k".repeat(500_000)}: 1\n`),
  "over the size limit": enc(`a: "${"x".repeat(1_100_000)}"\n`),
  "control characters": enc("name: \u0007\u001b[31m\u0008\n"),
  NUL: enc("name: a\u0000b\n\u0000: 1\n"),
  "BOM then a file": enc("\uFEFFname: x\n"),
  "BOM only": enc("\uFEFF"),
  "duplicate keys": enc("a: 1\na: 2\nb: {c: 1, c: 2}\n"),
  "many duplicate keys": enc(Array.from({ length: 5000 }, () => "a: 1").join("\n")),
  "alias bomb": enc(bomb(9)),
  "self alias": enc("a: &a [*a]\n"),
  "alias without anchor": enc("a: *nothing\n"),
  "custom tag": enc("a: !env HOME\n"),
  binary: enc("a: !!binary aGVsbG8=\n"),
  "merge key": enc("base: &b {x: 1}\nc:\n  <<: *b\n"),
  // A computed key: a literal `__proto__:` would set the object's prototype, not add the shape.
  ["__proto__"]: enc('__proto__: {polluted: 1}\n"__proto__": 2\n'),
  constructor: enc("constructor: {prototype: {polluted: 1}}\nprototype: 1\n"),
  "nested __proto__": enc("a:\n  - __proto__: {polluted: 1}\n"),
  "a list as a key": enc("? [a, b]\n: 1\n"),
  "non-UTF-8": Uint8Array.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a]),
  "UTF-16": Uint8Array.from([0xff, 0xfe, 0x61, 0x00, 0x3a, 0x00]),
  "lone surrogate in JSON": enc('{"a": "\\ud800"}'),
  "several documents": enc("a: 1\n---\nb: 2\n"),
  "document end then junk": enc("a: 1\n...\n]]]\n"),
  "JSON with a comment": enc('{"a": 1 // no\n}'),
  unterminated: enc('a: "open\n'),
  "tabs for indentation": enc("a:\n\tb: 1\n"),
};

/** Seeded random bytes and byte-level mutations of a valid file. */
function mutations(kind: KindName, seed: number, n: number): Array<[string, Uint8Array]> {
  const r = prng(seed);
  const valid = enc(VALID[kind]);
  const out: Array<[string, Uint8Array]> = [];
  for (let i = 0; i < n; i++) {
    const bytes = Uint8Array.from(valid);
    for (let j = 0; j < 1 + Math.floor(r() * 4); j++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    out.push([`mutation ${seed}/${i}`, bytes]);
    out.push([`random ${seed}/${i}`, Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))]);
  }
  return out;
}

/** The properties every check of one hostile file holds. */
function assertSound(kind: KindName, path: string, bytes: Uint8Array): void {
  const base = [file("groups/base.yaml", enc(GROUP)), file("users/base.yaml", enc(USER("alice")))];
  const files = [...base.filter((b) => !b.file.startsWith(`${kind}/`)), file(path, bytes)];
  const started = performance.now();
  const result = checkFiles(files, { existingGroups: ["registry-admins"] });
  const loaded = loadRepositoryFiles(files);
  const ms = performance.now() - started;
  for (const d of [...result.errors, ...result.warnings, ...loaded.diagnostics]) {
    assert.ok(typeof d.file === "string" && d.file !== "", `a diagnostic without a file: ${d.message}`);
    assert.ok(Number.isInteger(d.line) && d.line >= 0 && Number.isInteger(d.column) && d.column >= 0, d.message);
    assert.equal(typeof d.message, "string");
  }
  assert.equal(result.ok, result.errors.length === 0);
  const mine = loaded.diagnostics.filter((d) => d.file === path && d.severity === "error");
  if (mine.length) {
    assert.equal(result.ok, false, "an error in the file, but the result is ok");
    const items = loaded.items[kind] as ReadonlyArray<{ source: { file: string } }>;
    assert.deepEqual(
      items.filter((i) => i.source.file === path),
      [],
      "a file with an error was loaded in part",
    );
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype was polluted");
  // Linear in the size; generous, as the machine may be loaded: the largest shape is 1 MiB.
  assert.ok(ms < 5000, `${path}: ${Math.round(ms)} ms`);
}

describe("every kind's loader, hostile files", () => {
  for (const kind of KIND_NAMES) {
    it(`${kind}: the shapes, as .yaml and .json`, () => {
      for (const [name, bytes] of Object.entries(SHAPES)) {
        for (const ext of [".yaml", ".json"]) {
          const path = `${kind}/${name.replace(/[^a-z0-9]+/gi, "-")}${ext}`;
          try {
            assertSound(kind, path, bytes);
          } catch (e) {
            throw new Error(`${kind}, shape "${name}" (${ext}): ${(e as Error).message}`, { cause: e });
          }
        }
      }
    });

    it(`${kind}: the shapes, all at once, from a folder on disk`, () => {
      const files: Record<string, Uint8Array | string> = { "groups/base.yaml": GROUP, "users/base.yaml": USER("a") };
      for (const [name, bytes] of Object.entries(SHAPES))
        files[`${kind}/${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`] = bytes;
      const started = performance.now();
      const r = checkRepository(makeRepo(files), { existingGroups: ["registry-admins"] });
      assert.ok(performance.now() - started < 20000);
      assert.equal(r.ok, false);
      for (const d of [...r.errors, ...r.warnings])
        assert.ok(d.file !== "" && Number.isInteger(d.line) && Number.isInteger(d.column), JSON.stringify(d));
      // Each shape but the harmless ones is reported at its own file: no file's problem hides another's.
      const reported = new Set(r.errors.map((d) => d.file));
      for (const name of ["null", "NUL", "duplicate keys", "alias bomb", "__proto__", "non-UTF-8", "binary"])
        assert.ok(reported.has(`${kind}/${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`), name);
    });

    it(`${kind}: seeded mutations of a valid file and random bytes`, () => {
      for (const [name, bytes] of mutations(kind, 0x36 + KIND_NAMES.indexOf(kind), 40)) {
        try {
          assertSound(kind, `${kind}/fuzz.yaml`, bytes);
        } catch (e) {
          throw new Error(`${kind}, ${name} ${Buffer.from(bytes).toString("base64")}: ${String(e)}`, { cause: e });
        }
      }
    });

    it(`${kind}: its valid file loads (the shapes above are refused, not ignored)`, () => {
      const loaded = loadRepositoryFiles([file(`${kind}/valid.yaml`, enc(VALID[kind]))]);
      assert.deepEqual(
        loaded.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
        [],
      );
      assert.ok(loaded.items[kind].length > 0);
    });
  }
});
