/**
 * Initial passwords derived from one generated secret per stack: HMAC-SHA256(seed, username), in the same
 * alphabet and shape as `GeneratedSecret` values (one generator, components/secrets/password.ts). The stack keeps one
 * random resource instead of one per user
 * (500 users: 500 resources, 4.7 KB of state each, created, refreshed and diffed on every run); a password stays
 * stable for as long as the seed and the username do, and stays a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./generated";
import { derivedPassword, PASSWORD_LENGTH } from "./password";

/** A password of `length` characters for `username`, from `seed` (see password.ts: unbiased, every class). */
export function derivePassword(seed: string, username: string, length = PASSWORD_LENGTH): string {
  return derivedPassword(seed, `initial-password\0${username}`, length);
}

export const SEED_LENGTH = 64;

/** The stack's seed: one `GeneratedSecret` whose value never leaves the state except through derived passwords. */
export class PasswordSeed {
  private readonly seed: pulumi.Output<string>;

  constructor(name: string, opts: pulumi.CustomResourceOptions) {
    this.seed = new GeneratedSecret(name, SEED_LENGTH, opts).value;
  }

  /** Secret. */
  passwordFor(username: string): pulumi.Output<string> {
    return pulumi.secret(this.seed.apply((s) => derivePassword(s, username)));
  }
}
