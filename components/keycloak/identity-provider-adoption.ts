/**
 * Adoption of brokered identity providers: a provider (or mapper) declared in identity-providers/ that exists in
 * the realm but not in the stack's state — made by hand as upstream's guide shows, then read by `mcp-access import`,
 * or created by a run cut short — is imported (Pulumi's `import` option) instead of created, so `pulumi up` does
 * not fail with 409. Keycloak keys a provider on its alias and a mapper on its name within the provider.
 */
import {
  keycloakProviderObjects,
  ownedKey,
  RESOURCE_TYPES,
  type BrokeredProvider,
  type DeclaredObject,
} from "../../lib";
import type { KeycloakAdmin } from "../../clients/keycloak-admin";
import type { StateResource } from "../../clients/stack-state";
import {
  adoptWhatStateLacks,
  askOnce,
  findLacking,
  importCount,
  importIdsOf,
  lackingIn,
  type Find,
  type Held,
  type ImportIds,
} from "../adoption";

const T = RESOURCE_TYPES.keycloak;
const PROVIDERS: readonly string[] = [T.oidcProvider, T.samlProvider];

/** Import ids (the provider's formats `realm/alias` and `realm/alias/mapperId`). */
export interface IdentityProviderAdoption {
  providers: ImportIds;
  /** `${alias}/${mapperName}` → import id. */
  mappers: ImportIds;
}

export const NO_IDP_ADOPTION: IdentityProviderAdoption = { providers: {}, mappers: {} };

/** The key of a mapper on a provider. */
export const idpMapperKey: (alias: string, name: string) => string = ownedKey;

/** How many providers and mappers a run adopts, for the log. */
export const idpAdoptedCount = (a: IdentityProviderAdoption): number => importCount(a.providers, a.mappers);

/** Whether the state holds a provider (by alias) or a mapper (by alias and name) of the realm. */
function heldIn(state: readonly StateResource[], realm: string): Held {
  const inRealm = state.filter((r) => r.outputs.realm === realm);
  const held = new Set([
    ...inRealm.filter((r) => PROVIDERS.includes(r.type)).map((r) => String(r.outputs.alias)),
    ...inRealm
      .filter((r) => r.type === T.identityProviderMapper)
      .map((r) => idpMapperKey(String(r.outputs.identityProviderAlias), String(r.outputs.name))),
  ]);
  return { identityProviders: (o) => held.has(o.name) };
}

/** Keycloak's providers, asked once for every alias the state lacks (or lacks a mapper of), with their mappers. */
function findIn(
  admin: Pick<KeycloakAdmin, "identityProviders">,
  realm: string,
  lacking: readonly DeclaredObject[],
): Find {
  const aliases = [...new Set(lacking.map((o) => o.within?.owner ?? o.name))];
  const live = askOnce(async () => {
    const found = await admin.identityProviders(realm, aliases);
    return new Map(
      found.map((p) => [p.alias, new Map(p.mappers.filter((m) => m.name && m.id).map((m) => [m.name, m.id]))]),
    );
  });
  return {
    identityProviders: async ({ name, within }) => {
      const providers = await live();
      if (!within) return providers.has(name) ? `${realm}/${name}` : undefined;
      const id = providers.get(within.owner)?.get(within.name);
      return id ? `${realm}/${within.owner}/${id}` : undefined;
    },
  };
}

/** Finds what to adopt; `state` undefined (unreadable) adopts nothing, as Pulumi alone would. */
export function findAdoptableProviders(
  providers: readonly BrokeredProvider[],
  state: readonly StateResource[] | undefined,
  realm: string,
  connect: () => Promise<Pick<KeycloakAdmin, "realmExists" | "identityProviders">>,
): Promise<IdentityProviderAdoption> {
  // Adoption keys by names in Keycloak: the resource names (component `keycloak-idp`, program.ts) play no part.
  const objects = keycloakProviderObjects("keycloak-idp", providers);
  return adoptWhatStateLacks(state, {
    nothing: NO_IDP_ADOPTION,
    fromState: (s) => {
      const lacking = lackingIn(objects, heldIn(s, realm));
      return { lacking: lacking.length ? lacking : undefined, unasked: NO_IDP_ADOPTION };
    },
    connect,
    adopt: async (admin, lacking) => {
      // The bootstrap's first run: the realm is yet to be made, so nothing in it to adopt.
      if (!(await admin.realmExists(realm))) return NO_IDP_ADOPTION;
      const found = await findLacking(lacking, findIn(admin, realm, lacking));
      return { providers: importIdsOf(objects, found, "providers"), mappers: importIdsOf(objects, found, "mappers") };
    },
  });
}
