/**
 * Initial passwords derived from one generated secret per stack: HMAC-SHA256(seed, username), in the same
 * alphabet and shape as `GeneratedSecret` values. The stack keeps one random resource instead of one per user
 * (500 users: 500 resources, 4.7 KB of state each, created, refreshed and diffed on every run); a password stays
 * stable for as long as the seed and the username do, and stays a Pulumi secret.
 */
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./generated";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** A password of `length` characters (at most 34) for `username`, from `seed`. */
export function derivePassword(seed: string, username: string, length = 24): string {
  const bytes = createHmac("sha256", seed).update(`initial-password\0${username}`).digest();
  if (length < 3 || length - 2 > bytes.length) throw new RangeError(`a derived password has 3 to ${bytes.length + 2} characters, not ${length}`);
  let value = "";
  for (let i = 0; i < length - 2; i++) value += ALPHABET[bytes[i]! % ALPHABET.length];
  return `${value}-9`;
}

/** The stack's seed: one `GeneratedSecret` whose value never leaves the state except through derived passwords. */
export class PasswordSeed {
  private readonly seed: pulumi.Output<string>;

  constructor(name: string, opts: pulumi.CustomResourceOptions) {
    this.seed = new GeneratedSecret(name, 48, opts).value;
  }

  /** Secret. */
  passwordFor(username: string): pulumi.Output<string> {
    return pulumi.secret(this.seed.apply((s) => derivePassword(s, username)));
  }
}
