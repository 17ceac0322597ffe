/**
 * Initial passwords derived from one generated secret per stack: HMAC-SHA256(seed, username), in the same
 * alphabet and shape as `GeneratedSecret` values (one generator, components/secrets/password.ts). The stack keeps one
 * random resource instead of one per user
 * (500 users: 500 resources, 4.7 KB of state each, created, refreshed and diffed on every run); a password stays
 * stable for as long as the seed and the username do, and stays a Pulumi secret.
 */
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./generated";
import { derivedPassword, PASSWORD_LENGTH } from "./password";

/** A password of `length` characters for `username`, from `seed` (see password.ts: unbiased, every class). */
export function derivePassword(seed: string, username: string, length = PASSWORD_LENGTH): string {
  return derivedPassword(seed, `initial-password\0${username}`, length);
}

/**
 * How a seed of an earlier version (48 characters) derived passwords: kept for those stacks only, so the initial
 * password a user was created with — in the identity provider and in the stack outputs — stays what it is. (The
 * provider uses an initial password only at creation; a new derivation would export passwords nobody holds.)
 */
export function derivePasswordV1(seed: string, username: string): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = createHmac("sha256", seed).update(`initial-password\0${username}`).digest();
  let value = "";
  for (let i = 0; i < 22; i++) value += alphabet[bytes[i]! % alphabet.length];
  return `${value}-9`;
}

/** Seed lengths: an earlier version's seeds are 48 characters (derivation v1), today's 64 (derivation v2). */
export const LEGACY_SEED_LENGTH = 48;
export const SEED_LENGTH = 64;

/** The stack's seed: one `GeneratedSecret` whose value never leaves the state except through derived passwords. */
export class PasswordSeed {
  private readonly seed: pulumi.Output<string>;
  private readonly derive: (seed: string, username: string) => string;

  /** `legacy`: the state holds a seed an earlier version made; its derivation is kept (see derivePasswordV1). */
  constructor(name: string, opts: pulumi.CustomResourceOptions, legacy = false) {
    this.seed = new GeneratedSecret(name, legacy ? LEGACY_SEED_LENGTH : SEED_LENGTH, opts).value;
    this.derive = legacy ? derivePasswordV1 : (s, u) => derivePassword(s, u);
  }

  /** Secret. */
  passwordFor(username: string): pulumi.Output<string> {
    return pulumi.secret(this.seed.apply((s) => this.derive(s, username)));
  }
}
