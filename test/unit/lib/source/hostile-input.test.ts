/**
 * The loader can be handed anything (issue 23, items 3 and 5): property tests over random bytes, YAML and JSON —
 * recursive aliases, deep nesting, huge key counts, duplicate keys, control characters — assert that a check ends
 * with no error (exit 0) or with errors that each name file, line and column (exit 1), never a crash or a stack
 * trace, in time linear in the size. Seeded PRNG, bounded iterations: a failure names its seed and input.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { checkFiles, sizedFile, type CheckResult } from "../../../../lib";
import { MAX_ALIAS_EXPANSION, MAX_FILE_TOKENS, MAX_FILE_VALUES, MAX_NESTING_DEPTH } from "../../../../lib/source/file";
import { makeRepo, USER } from "../../../support/repo";
import { prng } from "../../../support/prng";
import { cli } from "../../../support/cli";

/**
 * More or other inputs: MCP_ACCESS_FUZZ_ITERATIONS=20000 MCP_ACCESS_FUZZ_SEED=7 npm run test:unit (a failure names its
 * seed).
 */
const ITERATIONS = Number(process.env.MCP_ACCESS_FUZZ_ITERATIONS) || 400;
const SEED = Number(process.env.MCP_ACCESS_FUZZ_SEED) || 0x23;

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const PIECES = [
  "scope_name",
  "server_access",
  "server",
  "methods",
  "tools",
  "username",
  "email",
  "groups",
  "name",
  "description",
  "ui_permissions",
  "list_service",
  "__proto__",
  "constructor",
  "toString",
  "prototype",
  "a",
  "x",
  "*",
  "all",
  ": ",
  ":",
  "- ",
  "-",
  "? ",
  "[",
  "]",
  "{",
  "}",
  ", ",
  ",",
  "&a ",
  "&b ",
  "*a",
  "*b",
  "!tag ",
  "!!binary ",
  "!!str ",
  "<<: ",
  "'",
  '"',
  "#",
  "|\n",
  ">-\n",
  "---\n",
  "...\n",
  "%YAML 1.2\n",
  "\n",
  "\n  ",
  "\n    ",
  "  ",
  "\t",
  "\r\n",
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u200b",
  "\u202e",
  "\ufeff",
  "é",
  "e\u0301",
  "日本",
  "𝒜",
  "\\",
  "\\u0000",
  "0x1F",
  "1e309",
  "-.inf",
  ".nan",
  "~",
  "null",
  "true",
  "9007199254740993",
  "@",
  "%2e%2e/",
  "`",
];

const ATOMS: Array<(r: Rand) => unknown> = [
  (r) => pick(r, PIECES),
  (r) => int(r, 1e6) - 5e5,
  (r) => r() < 0.5,
  () => null,
  (r) => String.fromCharCode(...Array.from({ length: int(r, 12) }, () => int(r, 0x3000))),
];

function randomValue(r: Rand, depth: number): unknown {
  const k = int(r, depth > 4 ? 2 : 4);
  if (k < 2) return pick(r, ATOMS)(r);
  if (k === 2) return Array.from({ length: int(r, 5) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(r, 6); i > 0; i--)
    Object.defineProperty(o, String(pick(r, ATOMS)(r)), {
      value: randomValue(r, depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return o;
}

/** A definition-like document: mostly the right fields, with random values and extra keys. */
function randomDefinition(r: Rand): unknown {
  const base: Record<string, unknown> = pick(r, [
    { scope_name: "g", server_access: [{ server: "s", methods: ["tools/call"], tools: ["t"] }] },
    { username: "alice", email: "alice@example.com", first_name: "A", last_name: "L", groups: ["g"] },
    { name: "bot", groups: ["g"] },
  ]);
  for (let i = int(r, 4); i > 0; i--) {
    const key = r() < 0.7 ? pick(r, Object.keys(base)) : String(pick(r, ATOMS)(r));
    Object.defineProperty(base, key, {
      value: randomValue(r, 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return base;
}

function mutate(r: Rand, text: string): string {
  let t = text;
  for (let i = int(r, 4); i > 0; i--) {
    const at = int(r, t.length + 1);
    const op = int(r, 3);
    if (op === 0) t = t.slice(0, at) + pick(r, PIECES) + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + int(r, 8));
    else t = t.slice(0, at);
  }
  return t;
}

const GENERATORS: Record<string, (r: Rand) => { ext: string; content: string | Uint8Array }> = {
  bytes: (r) => ({
    ext: pick(r, [".yaml", ".json"]),
    content: Uint8Array.from({ length: int(r, 600) }, () => (r() < 0.8 ? 0x20 + int(r, 0x5f) : int(r, 256))),
  }),
  pieces: (r) => ({ ext: ".yaml", content: Array.from({ length: int(r, 80) }, () => pick(r, PIECES)).join("") }),
  yaml: (r) => ({ ext: ".yaml", content: mutate(r, stringify(randomDefinition(r))) }),
  json: (r) => ({ ext: ".json", content: mutate(r, JSON.stringify(randomDefinition(r), null, int(r, 3))) }),
};

const KIND_DIRS = ["groups", "users", "m2m"];
const POSITIONED = /^(groups|users|m2m)\/f\.(yaml|json):\d+:\d+: (error|warning): /;

/** The check of one file in memory: never throws, and every problem of the file has a line and a column. */
function checkOne(file: string, content: string | Uint8Array): CheckResult {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const result = checkFiles([sizedFile(file, bytes.length, () => bytes)], { existingGroups: ["registry-admins"] });
  for (const d of [...result.errors, ...result.warnings]) {
    if (d.file !== file) continue;
    assert.ok(d.line >= 1 && d.column >= 1, `${file}: no position: ${JSON.stringify(d)}`);
  }
  return result;
}

describe("the loader handed anything (property tests)", () => {
  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`${name}: every check ends, and every problem has a file, line and column`, () => {
      const seed = SEED + name.length * 7919;
      const r = prng(seed);
      for (let i = 0; i < ITERATIONS; i++) {
        const { ext, content } = gen(r);
        const file = `${pick(r, KIND_DIRS)}/f${ext}`;
        try {
          checkOne(file, content);
        } catch (e) {
          assert.fail(
            `seed ${seed}, iteration ${i}, ${file} ` +
              `${JSON.stringify(typeof content === "string" ? content : Buffer.from(content).toString("latin1"))}: ` +
              `${(e as Error).stack}`,
          );
        }
      }
    });
  }

  it("through the CLI: exit 0, or exit 1 with file:line:column for each problem; never a stack trace", async () => {
    const r = prng(20231123);
    const names = Object.keys(GENERATORS);
    for (let i = 0; i < 60; i++) {
      const { ext, content } = GENERATORS[pick(r, names)]!(r);
      const kind = pick(r, KIND_DIRS);
      const dir = makeRepo({ [`${kind}/f${ext}`]: content, "groups/base.yaml": "scope_name: base\n" });
      const res = await cli(["validate", "--dir", dir]);
      const input = typeof content === "string" ? content : Buffer.from(content).toString("latin1");
      const shown = `iteration ${i}: ${JSON.stringify(input)}\n${res.out}\n${res.err}`;
      assert.ok(res.code === 0 || res.code === 1, `exit ${res.code}; ${shown}`);
      assert.doesNotMatch(res.out + res.err, /\n\s+at |Maximum call stack|TypeError|RangeError|ReferenceError/, shown);
      if (res.code === 1) {
        const errors = res.out.split("\n").filter((l) => / error: /.test(l));
        assert.ok(errors.length > 0, shown);
        for (const l of errors) assert.match(l, POSITIONED, shown);
      }
    }
  });
});

describe("hostile YAML, each refused with file:line:column", () => {
  const cases: Record<string, string> = {
    "an alias inside its own anchor (mapping)": "scope_name: g\ndescription: &x\n  a: *x\n",
    "an alias inside its own anchor (list)": "scope_name: g\nserver_access: &l [*l]\n",
    "an alias inside its own anchor (nested)": "scope_name: g\nui_permissions: &p\n  list_service:\n    - [*p]\n",
    "an alias with no anchor before it": "scope_name: g\ndescription: *nowhere\n",
    "a duplicate key": "scope_name: g\ndescription: a\ndescription: b\n",
    "a duplicate key spelt two ways": "scope_name: g\n1: a\n'1': b\n",
    "a __proto__ key": "scope_name: g\nui_permissions:\n  __proto__: {list_service: [all]}\n",
    "a list as a key": "scope_name: g\n? [a]\n: b\n",
    "deep flow nesting": `scope_name: g\ndescription: ${"[".repeat(10000)}${"]".repeat(10000)}\n`,
    "deep unclosed nesting": `scope_name: g\ndescription: ${"{a: ".repeat(10000)}\n`,
    "deep block nesting": `scope_name: g\ndescription:\n${"- ".repeat(5000)}x\n`,
    "deep indented nesting":
      "scope_name: g\n" + Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " x\n",
  };
  for (const [what, text] of Object.entries(cases)) {
    it(what, async () => {
      const result = checkOne("groups/f.yaml", text);
      assert.equal(result.ok, false);
      const dir = makeRepo({ "groups/f.yaml": text });
      const res = await cli(["validate", "--dir", dir]);
      assert.equal(res.code, 1, res.out + res.err);
      assert.match(res.out, /^groups\/f\.yaml:\d+:\d+: error: /m);
      assert.doesNotMatch(res.out + res.err, /\n\s+at |Maximum call stack/);
    });
  }

  it("names the alias that is inside its own anchor, at its line and column", () => {
    const r = checkOne("groups/f.yaml", "scope_name: g\ndescription: &x\n  a: *x\n");
    const d = r.errors.find((e) => /inside its own anchor/.test(e.message))!;
    assert.deepEqual([d.line, d.column], [3, 6]);
    assert.match(d.message, /alias \*x is inside its own anchor &x/);
  });

  it("refuses deep nesting fast, before parsing", () => {
    const t = Date.now();
    const r = checkOne("groups/f.yaml", "[".repeat(500_000));
    assert.ok(Date.now() - t < 3000, `${Date.now() - t} ms`);
    assert.match(r.errors[0]!.message, new RegExp(`nests deeper than ${MAX_NESTING_DEPTH} levels`));
  });

  it("accepts ordinary nesting and 150 reuses of a one-item list; refuses an expansion over the bound", () => {
    const reuse =
      "scope_name: g\nserver_access:\n" +
      Array.from(
        { length: 150 },
        (_, i) => `  - server: s${i}\n    methods: ${i === 0 ? "&m [tools/list]" : "*m"}\n`,
      ).join("");
    const ok = checkOne("groups/f.yaml", reuse);
    assert.equal(ok.ok, true, JSON.stringify(ok.errors));
    const side = Math.ceil(Math.sqrt(MAX_ALIAS_EXPANSION)) + 10;
    const big =
      `scope_name: g\nx: &a [${Array(side).fill("1").join(", ")}]\ny: ` + `[${Array(side).fill("*a").join(", ")}]\n`;
    const r = checkOne("groups/f.yaml", big);
    assert.match(r.errors.map((e) => e.message).join("\n"), /alias bomb/);
  });

  it("reads control characters and odd code points without crashing", () => {
    for (const c of ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u2028", "\ud800"]) {
      checkOne("users/f.yaml", USER("bob", "[g]").replace("bob", `b${c}ob`));
      checkOne("groups/f.json", JSON.stringify({ scope_name: `g${c}`, description: `d${c}` }));
    }
  });
});

describe("time linear in size", () => {
  function seconds(text: string): number {
    let best = Infinity;
    for (let i = 0; i < 2; i++) {
      const t = process.hrtime.bigint();
      checkOne("groups/f.yaml", text);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
    }
    return best;
  }
  const shapes: Record<string, (n: number) => string> = {
    "unknown keys": (n) => "scope_name: g\n" + Array.from({ length: n }, (_, i) => `k${i}: v`).join("\n") + "\n",
    "keys in a flow mapping": (n) =>
      "scope_name: g\nui_permissions: {" + Array.from({ length: n }, (_, i) => `k${i}: [a]`).join(", ") + "}\n",
    aliases: (n) => "scope_name: g\nx: &a [1]\n" + Array.from({ length: n }, (_, i) => `y${i}: *a`).join("\n") + "\n",
    anchors: (n) => "scope_name: g\n" + Array.from({ length: n }, (_, i) => `y${i}: &a${i} v`).join("\n") + "\n",
  };
  for (const [what, make] of Object.entries(shapes)) {
    it(`${what}: 8x the keys takes well under 64x the time`, () => {
      const small = seconds(make(1000));
      const large = seconds(make(8000));
      assert.ok(
        large < Math.max(small, 0.05) * 24,
        `${what}: ${small.toFixed(3)} s for 1,000, ${large.toFixed(3)} s for 8,000`,
      );
    });
  }
});

describe("file on disk named like the issue's example", () => {
  it("writes a 4-line self-referencing file and every command reports it with its position", async () => {
    const dir = makeRepo({ "groups/ok.yaml": "scope_name: ok\n" });
    writeFileSync(
      join(dir, "groups", "loop.yaml"),
      "scope_name: loop\nserver_access: &a\n  - server: s\n    tools: *a\n",
    );
    for (const cmd of [["validate"], ["render"], ["explain", "--server", "s"]]) {
      const res = await cli([...cmd, "--dir", dir]);
      assert.equal(res.code, 1, `${cmd.join(" ")}: ${res.out}${res.err}`);
      assert.match(
        res.out + res.err,
        new RegExp(
          String.raw`groups\/loop\.yaml:4:12: error: server_access\[0\]\.tools: invalid YAM` +
            String.raw`L: alias \*a is inside its own anchor &a`,
        ),
      );
    }
  });
});

describe("bounds on what one file may cost", () => {
  it("refuses a file of too many values or tokens before parsing it, at the place it passes the bound", () => {
    const values = checkOne("groups/f.yaml", "scope_name: g\nx: [" + "a,".repeat(MAX_FILE_VALUES) + "]\n");
    assert.match(values.errors[0]!.message, /holds over 150,000 values/);
    assert.equal(values.errors[0]!.line, 2);
    const tokens = checkOne("groups/f.yaml", "scope_name: g\n" + "#\n".repeat(MAX_FILE_TOKENS / 2 + 10));
    assert.match(tokens.errors[0]!.message, /over 600,000 YAML tokens/);
  });

  it("reports a file's first problems one by one and counts the rest", () => {
    const keys = checkOne(
      "groups/f.yaml",
      "scope_name: g\n" + Array.from({ length: 500 }, (_, i) => `k${i}: v\n`).join(""),
    );
    assert.equal(keys.errors.length, 51);
    assert.match(keys.errors.at(-1)!.message, /^and 450 more unknown fields in this mapping/);
    const actions = checkOne(
      "groups/f.yaml",
      "scope_name: g\nui_permissions: {" + Array.from({ length: 500 }, (_, i) => `k${i}: [a]`).join(", ") + "}\n",
    );
    assert.equal(actions.errors.length, 201);
    assert.match(actions.errors.at(-1)!.message, /^and 300 more problems in this file \(the first 200 are shown\)/);
  });
});
