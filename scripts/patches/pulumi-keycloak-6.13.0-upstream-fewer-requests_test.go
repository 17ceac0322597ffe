// Run by scripts/build-engine.sh in the Keycloak plugin's provider/ folder after the patched build (as
// zz_<this file's name>), against a fake Keycloak that records what it is asked:
//   - keycloak_user_groups, created and updated, must leave the state its read-back (the request the patch removes)
//     would have left, attribute for attribute, and the memberships the unpatched code made, with one read of the
//     user's groups per apply;
//   - a client's validation must fetch /admin/serverinfo only for a login theme, and still reject a missing theme.
package keycloak

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-sdk/v2/terraform"
	tfkeycloak "github.com/keycloak/terraform-provider-keycloak/keycloak"
	tfprovider "github.com/keycloak/terraform-provider-keycloak/provider"
)

type fakeKeycloak struct {
	mu       sync.Mutex
	groups   map[string]bool // the user's groups
	requests map[string]int  // "GET groups", "PUT", "DELETE", "GET serverinfo"
}

func (f *fakeKeycloak) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	const groupsPath = "/admin/realms/r/users/u/groups/"
	switch {
	case r.URL.Path == "/admin/serverinfo" && r.Method == http.MethodGet:
		f.requests["GET serverinfo"]++
		_ = json.NewEncoder(w).Encode(map[string]interface{}{
			"systemInfo": map[string]string{"version": "26.0.0"},
			"themes":     map[string]interface{}{"login": []map[string]string{{"name": "keycloak"}}},
		})
	case r.URL.Path == groupsPath && r.Method == http.MethodGet:
		f.requests["GET groups"]++
		ids := []string{}
		for id := range f.groups {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		out := []map[string]string{}
		for _, id := range ids {
			out = append(out, map[string]string{"id": id, "name": id, "path": "/" + id})
		}
		_ = json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(r.URL.Path, groupsPath) && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		f.requests[r.Method]++
		if id := strings.TrimPrefix(r.URL.Path, groupsPath); r.Method == http.MethodPut {
			f.groups[id] = true
		} else {
			delete(f.groups, id)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "not faked: "+r.Method+" "+r.URL.Path, http.StatusNotImplemented)
	}
}

func (f *fakeKeycloak) reset(groups []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = map[string]bool{}
	for _, g := range groups {
		f.groups[g] = true
	}
	f.requests = map[string]int{}
}

func (f *fakeKeycloak) members() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for g := range f.groups {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

func fakeClient(t *testing.T) (*fakeKeycloak, *tfkeycloak.KeycloakClient) {
	f := &fakeKeycloak{}
	f.reset(nil)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client, err := tfkeycloak.NewKeycloakClient(context.Background(), srv.URL, "", "", "", "", "master", "", "",
		"token", "", "", "", "", false, 5, "", false, "", "", "", false, nil, "26.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, g := range append(append([]string{}, a...), b...) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

func TestPatchedUserGroupsApplyLeavesWhatReadFinds(t *testing.T) {
	f, client := fakeClient(t)
	res := tfprovider.KeycloakProvider(client).ResourcesMap["keycloak_user_groups"]
	ctx := context.Background()
	sets := [][]string{{}, {"a"}, {"a", "b"}, {"b", "c", "d"}}
	config := func(groups []string, exhaustive bool) *terraform.ResourceConfig {
		ids := make([]interface{}, len(groups))
		for i, g := range groups {
			ids[i] = g
		}
		return terraform.NewResourceConfigRaw(map[string]interface{}{
			"realm_id": "r", "user_id": "u", "group_ids": ids, "exhaustive": exhaustive,
		})
	}
	compared := 0
	// Applies config over state, then checks the state against the read-back and Keycloak against the rules.
	apply := func(name string, state *terraform.InstanceState, before, planned []string, exhaustive bool) *terraform.InstanceState {
		t.Helper()
		f.reset(before)
		diff, err := res.Diff(ctx, state, config(planned, exhaustive), client)
		if err != nil {
			t.Fatalf("%s: diff: %v", name, err)
		}
		if diff == nil || diff.Empty() {
			return state // nothing to apply: the provider's Read is not involved
		}
		after, diags := res.Apply(ctx, state, diff, client)
		if diags.HasError() {
			t.Fatalf("%s: apply: %v", name, diags)
		}
		if got := f.requests["GET groups"]; got != 1 {
			t.Fatalf("%s: %d reads of the user's groups, want 1 (the patch is not applied?)", name, got)
		}
		read, rdiags := res.RefreshWithoutUpgrade(ctx, after.DeepCopy(), client)
		if rdiags.HasError() {
			t.Fatalf("%s: read: %v", name, rdiags)
		}
		compared++
		if !reflect.DeepEqual(after.Attributes, read.Attributes) || after.ID != read.ID {
			t.Fatalf("%s: state after apply %v (id %s), read back %v (id %s)", name, after.Attributes, after.ID,
				read.Attributes, read.ID)
		}
		// Exhaustive: exactly the planned groups. Otherwise the planned ones among others.
		if members := f.members(); exhaustive && !reflect.DeepEqual(members, union(planned, nil)) ||
			!exhaustive && !reflect.DeepEqual(union(members, planned), members) {
			t.Fatalf("%s: the user is in %v, planned %v (exhaustive %v)", name, members, planned, exhaustive)
		}
		return after
	}
	for _, exhaustive := range []bool{true, false} {
		for _, before := range sets {
			for _, first := range sets {
				created := apply("create", nil, before, first, exhaustive)
				// Keycloak holds what the create left (and, not exhaustive, what the user had besides).
				now := f.members()
				for _, second := range sets {
					apply("update", created, now, second, exhaustive)
				}
			}
		}
	}
	t.Logf("%d creates and updates of keycloak_user_groups: the state equal to the read-back", compared)
}

func TestPatchedClientValidationFetchesServerInfoOnlyForATheme(t *testing.T) {
	f, client := fakeClient(t)
	ctx := context.Background()
	cases := []struct {
		theme   string
		fetches bool
		err     string
	}{
		{"", false, ""},
		{"keycloak", true, ""},
		{"missing", true, `theme "missing" does not exist`},
	}
	for _, c := range cases {
		f.reset(nil)
		oc := &tfkeycloak.OpenidClient{RealmId: "r", ClientId: "c", ServiceAccountsEnabled: true}
		oc.Attributes.LoginTheme = c.theme
		err := client.ValidateOpenidClient(ctx, oc)
		if got := f.requests["GET serverinfo"]; (got > 0) != c.fetches {
			t.Fatalf("theme %q: %d requests for /admin/serverinfo, want some: %v", c.theme, got, c.fetches)
		}
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Fatalf("theme %q: error %v, want %q", c.theme, err, c.err)
		}
	}
}
