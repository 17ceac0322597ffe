/** Failures of the services the program reads reach the user as this tool's errors, each with its code. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectGraph, type EntraDirectory, type GraphGroup } from "../../../clients/graph";
import { connectKeycloakAdmin } from "../../../clients/keycloak-admin";
import { findEntraAdoptable, type DeclaredEntraObjects } from "../../../components/entra/adoption";
import { entraDeclaredObjects, isMcpAccessError } from "../../../lib";

const SETTINGS = { tenantId: "t1", clientId: "c", clientSecret: "s" };
const hasCode = (code: string) => (e: unknown) => isMcpAccessError(e) && e.code === code;

describe("error codes of the service clients", () => {
  it("Microsoft Graph: a refused sign-in and a refused request are ERR_SERVICE", async () => {
    const refused = (async () =>
      new Response(JSON.stringify({ error: "invalid_client" }), { status: 401 })) as typeof fetch;
    await assert.rejects(connectGraph(SETTINGS, refused), hasCode("ERR_SERVICE"));
    const forbidden = (async (url: string | URL | Request) =>
      String(url).includes("/token")
        ? new Response(JSON.stringify({ access_token: "x" }), { status: 200 })
        : new Response("nope", { status: 403 })) as typeof fetch;
    const dir = await connectGraph(SETTINGS, forbidden);
    await assert.rejects(dir.users(), hasCode("ERR_SERVICE"));
  });

  it("Keycloak: a sign-in that fails keeps its ERR_SERVICE when the program connects for adoption", async () => {
    // Port 9 (discard): nothing listens on the loopback there, so the sign-in fails at once.
    const settings = { url: "http://127.0.0.1:9", basePath: "", realm: "master", clientId: "admin-cli" };
    await assert.rejects(connectKeycloakAdmin(settings), (e: unknown) => {
      assert.ok(hasCode("ERR_SERVICE")(e), String(e));
      assert.match((e as Error).message, /cannot sign in to Keycloak at .*\(to look for existing objects\)/);
      return true;
    });
  });

  it("Entra adoption: two groups of one name are ERR_PLAN, naming both", async () => {
    const twins: GraphGroup[] = [
      { id: "id-1", displayName: "ops" },
      { id: "id-2", displayName: "ops" },
    ];
    const unused = async (): Promise<never> => assert.fail("not asked");
    const dir: EntraDirectory = {
      groupsNamed: async () => twins,
      groupById: async () => undefined,
      securityGroups: unused,
      userByUpn: unused,
      users: unused,
      applicationsNamed: unused,
      applications: unused,
      servicePrincipalOf: unused,
      memberIds: unused,
      memberOf: unused,
    };
    const declared: DeclaredEntraObjects = entraDeclaredObjects(
      {
        idp: "entra",
        bootstrap: false,
        groups: [{ name: "ops", action: "create", bootstrap: false }],
        users: [],
        clients: [],
      },
      "entra",
    );
    await assert.rejects(
      findEntraAdoptable(declared, [], async () => dir),
      (e: unknown) => {
        assert.ok(hasCode("ERR_PLAN")(e), String(e));
        assert.match((e as Error).message, /2 security groups named "ops" \(id-1, id-2\)/);
        return true;
      },
    );
  });
});
