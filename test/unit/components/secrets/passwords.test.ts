/**
 * One password generator (issue 23, item 14): no modulo bias, no constant part, one alphabet, every class present;
 * the random one serialises with the dynamic provider that runs it.
 */
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { derivePassword } from "../../../../components/secrets/derived";
import { generatedSecretProvider } from "../../../../components/secrets/generated";
import {
  composePassword,
  hmacIndexes,
  PASSWORD_ALPHABET,
  PASSWORD_CLASSES,
  randomPassword,
} from "../../../../components/secrets/password";

const hasEveryClass = (p: string) => PASSWORD_CLASSES.every((c) => [...p].some((ch) => c.includes(ch)));

describe("passwords", () => {
  it("one alphabet without repeats, and every password holds every class, with no constant part", () => {
    assert.equal(new Set(PASSWORD_ALPHABET).size, PASSWORD_ALPHABET.length);
    const lasts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = randomPassword();
      assert.equal(p.length, 24);
      assert.ok(hasEveryClass(p), p);
      for (const ch of p) assert.ok(PASSWORD_ALPHABET.includes(ch));
      lasts.add(p.slice(-2));
    }
    assert.ok(lasts.size > 50, "no constant suffix");
    const d = derivePassword("seed", "alice");
    assert.equal(d, derivePassword("seed", "alice"));
    assert.ok(hasEveryClass(d));
  });

  it("draws derived characters without modulo bias (rejection sampling)", () => {
    const n = PASSWORD_ALPHABET.length;
    const draw = hmacIndexes("k", "label");
    const counts = new Array<number>(n).fill(0);
    const N = n * 2000;
    for (let i = 0; i < N; i++) counts[draw(n)]!++;
    // Modulo of a byte would give the first 256 % n indexes 5/4 of the others' share; each is within 10% here.
    for (const c of counts) assert.ok(Math.abs(c / (N / n) - 1) < 0.1, `${c} vs ${N / n}`);
    assert.throws(() => composePassword(3, draw), /4 to 256 characters/);
  });

  it("the GeneratedSecret provider serialises with the generator and makes passwords of the asked length", async () => {
    const fn = await pulumi.runtime.serializeFunction(() => generatedSecretProvider, { isFactoryFunction: true });
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-serialised-"));
    writeFileSync(join(dir, "provider.js"), fn.text);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the serialised provider, loaded by path
    const provider = (require(join(dir, "provider.js")) as Record<string, pulumi.dynamic.ResourceProvider>)[
      fn.exportName
    ]!;
    const made = await provider.create!({ length: 32 });
    assert.equal(made.outs.value.length, 32);
    assert.ok(hasEveryClass(made.outs.value));
  });
});
