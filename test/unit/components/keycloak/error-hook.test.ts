/** What `up` does when Keycloak stops answering: retry a blip, then say what happened and what to do. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { onKeycloakError } from "../../../../components/keycloak/error-hook";

const refused =
  'error sending request: Post "http://127.0.0.1:18080/admin/realms/r/users": dial tcp ' +
  "127.0.0.1:18080: connect: connection refused";
const args = (errors: string[]) => ({
  name: "keycloak-user-alice",
  type: "keycloak:index/user:User",
  failedOperation: "create",
  errors,
});

describe("Keycloak error hook", () => {
  it("retries twice when Keycloak does not answer, then gives up naming Keycloak, its URL and what to do", () => {
    assert.deepEqual(onKeycloakError(args([refused])), { retry: true });
    assert.deepEqual(onKeycloakError(args([refused, refused])), { retry: true });
    const last = onKeycloakError(args([refused, refused, refused]));
    assert.equal(last.retry, false);
    assert.match(
      last.message!,
      /^Keycloak at http:\/\/127\.0\.0\.1:18080 did not answer while trying to create keycloak-user-alice/,
    );
    assert.match(last.message!, /run pulumi up again/);
  });

  it("does not retry an error Keycloak answered with (a refused value is not a blip)", () => {
    assert.deepEqual(onKeycloakError(args(["error sending request: 400 Bad Request: error-invalid-length"])), {
      retry: false,
    });
  });
});
