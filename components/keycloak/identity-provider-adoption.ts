/**
 * Adoption of brokered identity providers: a provider (or mapper) declared in identity-providers/ that exists in
 * the realm but not in the stack's state — made by hand as upstream's guide shows, then read by `mcp-access import`,
 * or created by a run cut short — is imported (Pulumi's `import` option) instead of created, so `pulumi up` does
 * not fail with 409. Keycloak keys a provider on its alias and a mapper on its name within the provider.
 */
import { ownedKey, RESOURCE_TYPES, type BrokeredProvider } from "../../lib";
import type { KeycloakAdmin } from "../../clients/keycloak-admin";
import type { StateResource } from "../../clients/stack-state";
import { adoptWhatStateLacks, importCount, type ImportIds } from "../adoption";

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

/** The providers the state lacks (or lacks a mapper of), with what it holds. */
interface Lacking {
  wanted: BrokeredProvider[];
  managed: ReadonlySet<string>;
  managedMappers: ReadonlySet<string>;
}

function lackingIn(state: readonly StateResource[], providers: readonly BrokeredProvider[], realm: string): Lacking {
  const inRealm = state.filter((r) => r.outputs.realm === realm);
  const managed = new Set(inRealm.filter((r) => PROVIDERS.includes(r.type)).map((r) => String(r.outputs.alias)));
  const managedMappers = new Set(
    inRealm
      .filter((r) => r.type === T.identityProviderMapper)
      .map((r) => idpMapperKey(String(r.outputs.identityProviderAlias), String(r.outputs.name))),
  );
  const wanted = providers.filter(
    (p) => !managed.has(p.alias) || p.mappers.some((m) => !managedMappers.has(idpMapperKey(p.alias, m.name))),
  );
  return { wanted, managed, managedMappers };
}

/** Finds what to adopt; `state` undefined (unreadable) adopts nothing, as Pulumi alone would. */
export function findAdoptableProviders(
  providers: readonly BrokeredProvider[],
  state: readonly StateResource[] | undefined,
  realm: string,
  connect: () => Promise<Pick<KeycloakAdmin, "realmExists" | "identityProviders">>,
): Promise<IdentityProviderAdoption> {
  return adoptWhatStateLacks(state, {
    nothing: NO_IDP_ADOPTION,
    fromState: (s) => {
      const lacking = providers.length ? lackingIn(s, providers, realm) : undefined;
      return { lacking: lacking?.wanted.length ? lacking : undefined, unasked: NO_IDP_ADOPTION };
    },
    connect,
    adopt: (admin, lacking) => adoptFromKeycloak(admin, realm, lacking),
  });
}

async function adoptFromKeycloak(
  admin: Pick<KeycloakAdmin, "realmExists" | "identityProviders">,
  realm: string,
  { wanted, managed, managedMappers }: Lacking,
): Promise<IdentityProviderAdoption> {
  // The bootstrap's first run: the realm is yet to be made, so nothing in it to adopt.
  if (!(await admin.realmExists(realm))) return NO_IDP_ADOPTION;
  const found = await admin.identityProviders(
    realm,
    wanted.map((p) => p.alias),
  );
  const live = new Map(
    found.map((p) => [p.alias, new Map(p.mappers.filter((m) => m.name && m.id).map((m) => [m.name, m.id]))]),
  );
  const adoption: IdentityProviderAdoption = { providers: {}, mappers: {} };
  for (const p of wanted) {
    const mappers = live.get(p.alias);
    if (!mappers) continue;
    if (!managed.has(p.alias)) adoption.providers[p.alias] = `${realm}/${p.alias}`;
    for (const m of p.mappers) {
      const key = idpMapperKey(p.alias, m.name);
      const id = mappers.get(m.name);
      if (id && !managedMappers.has(key)) adoption.mappers[key] = `${realm}/${p.alias}/${id}`;
    }
  }
  return adoption;
}
