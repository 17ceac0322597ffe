/**
 * An error in words: the errno of a network or file-system failure (found on the error or its causes, as `fetch`
 * reports them: TypeError "fetch failed" with the cause's code) said as what it means, not as the raw code.
 */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "nothing listens there (connection refused): is the service running, and the URL right?",
  ENOTFOUND: "the host name is not found: check the URL",
  EAI_AGAIN: "the host name cannot be resolved now: check the network and DNS",
  ETIMEDOUT: "no answer in time: check the URL and the network",
  UND_ERR_CONNECT_TIMEOUT: "no answer in time: check the URL and the network",
  ECONNRESET: "the connection was closed by the other side; try again",
  EHOSTUNREACH: "the host is unreachable: check the network",
  ENETUNREACH: "the network is unreachable",
  EACCES: "permission denied",
  EPERM: "permission denied",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "its TLS certificate is self-signed and not trusted (NODE_EXTRA_CA_CERTS names a CA file to trust)",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate chain is not trusted (NODE_EXTRA_CA_CERTS names a CA file to trust)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "its TLS certificate cannot be verified (NODE_EXTRA_CA_CERTS names a CA file to trust)",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host name",
};

/** The first errno-like code on an error or its causes (`cause`, `errors` of an AggregateError). */
export function errorCode(e: unknown, depth = 0): string | null {
  if (!e || typeof e !== "object" || depth > 5) return null;
  const err = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof err.code === "string" && /^[A-Z][A-Z0-9_]+$/.test(err.code)) return err.code;
  const fromCause = errorCode(err.cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(err.errors))
    for (const x of err.errors) {
      const c = errorCode(x, depth + 1);
      if (c) return c;
    }
  return null;
}

/** What went wrong, in words: a known errno's meaning, else the message (with its cause's code when it has one). */
export function errorReason(e: unknown): string {
  const code = errorCode(e);
  if (code && REASONS[code]) return REASONS[code]!;
  const message = e instanceof Error ? e.message : String(e);
  if (code) return message.includes(code) ? message : `${message} (${code})`;
  const cause = (e as { cause?: unknown })?.cause;
  return cause instanceof Error && cause.message && !message.includes(cause.message)
    ? `${message} (${cause.message})`
    : message;
}
