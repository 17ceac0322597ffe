/**
 * The one password generator: random (`crypto.randomInt`) or derived (HMAC-SHA256 as a stream of bytes), each
 * character drawn without modulo bias (a byte is used only below the largest multiple of the alphabet's size), from
 * one alphabet, with no constant part. Every password holds an upper-case letter, a lower-case letter, a digit and
 * a symbol (drawn again until it does): what Entra ID's complexity rule (3 of the 4) and a Keycloak realm's
 * `upperCase`, `lowerCase`, `digits` and `specialChars` policies ask, at the default length of 24 (Keycloak's
 * `length` policy, 8 by default when set, and Entra's 8..256).
 */
import { createHmac, randomInt } from "node:crypto";

/** Letters and digits without look-alikes (0/O, 1/l/I), and symbols that need no quoting in a shell or a URL form. */
const CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.+="] as const;
const ALPHABET = CLASSES.join("");
const LENGTH = 24;
// The functions below use the module's own constants, not `exports.*`: the dynamic provider that generates secrets
// is serialised with them (function serialisation captures module variables, not a module's exports object).
export const PASSWORD_CLASSES = CLASSES;
export const PASSWORD_ALPHABET = ALPHABET;
export const PASSWORD_LENGTH = LENGTH;

/** A password of `length` characters, each `ALPHABET[index(size)]`, holding every class. */
export function composePassword(length: number, index: (n: number) => number): string {
  if (!Number.isInteger(length) || length < CLASSES.length || length > 256)
    throw new RangeError(`a password has ${CLASSES.length} to 256 characters, not ${length}`);
  for (;;) {
    let value = "";
    for (let i = 0; i < length; i++) value += ALPHABET[index(ALPHABET.length)];
    if (CLASSES.every((c) => [...value].some((ch) => c.includes(ch)))) return value;
  }
}

/** A random password. */
export function randomPassword(length = LENGTH, draw?: (n: number) => number): string {
  return composePassword(length, draw ?? ((n) => randomInt(n)));
}

/**
 * Indexes below `n` from HMAC-SHA256(key, label NUL counter) blocks, by rejection sampling: the same key and label
 * give the same indexes, each uniform.
 */
export function hmacIndexes(key: string, label: string): (n: number) => number {
  let block: Buffer = Buffer.alloc(0);
  let at = 0;
  let counter = 0;
  return (n) => {
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`an index below ${n} is not drawn from bytes`);
    const limit = 256 - (256 % n);
    for (;;) {
      if (at >= block.length) {
        block = createHmac("sha256", key).update(`${label}\0${counter++}`).digest();
        at = 0;
      }
      const b = block[at++]!;
      if (b < limit) return b % n;
    }
  };
}

/** A password derived from `key` and `label`: stable for as long as both are. */
export function derivedPassword(key: string, label: string, length = LENGTH): string {
  return composePassword(length, hmacIndexes(key, label));
}
