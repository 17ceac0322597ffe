// Run by scripts/build-engine.sh in the Keycloak plugin's provider/ folder after the patched build (as
// zz_<this file's name>), against a fake Keycloak that serves one realm:
//   - a realm read without security_defenses in its state (what an import reads) gets the brute-force detection
//     Keycloak holds, so a stack declaring the same values imports it without an update;
//   - with brute-force detection off, it gets none, as before the patch.
package keycloak

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-sdk/v2/terraform"
	tfkeycloak "github.com/keycloak/terraform-provider-keycloak/keycloak"
	tfprovider "github.com/keycloak/terraform-provider-keycloak/provider"
)

func TestPatchedRealmImportReadsBruteForceDetection(t *testing.T) {
	for _, protected := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/admin/serverinfo" {
				_ = json.NewEncoder(w).Encode(map[string]interface{}{"systemInfo": map[string]string{"version": "26.0.0"}})
				return
			}
			if r.Method != http.MethodGet || r.URL.Path != "/admin/realms/r" {
				http.Error(w, "not faked: "+r.Method+" "+r.URL.Path, http.StatusNotImplemented)
				return
			}
			// release 1.31.0's init-keycloak.sh realm_json, over Keycloak's defaults for the rest.
			_ = json.NewEncoder(w).Encode(map[string]interface{}{
				"id": "r", "realm": "r", "enabled": true,
				"bruteForceProtected": protected, "failureFactor": 5, "waitIncrementSeconds": 60,
				"maxFailureWaitSeconds": 900, "permanentLockout": false, "minimumQuickLoginWaitSeconds": 60,
				"quickLoginCheckMilliSeconds": 1000, "maxDeltaTimeSeconds": 43200, "bruteForceStrategy": "MULTIPLE",
			})
		}))
		client, err := tfkeycloak.NewKeycloakClient(context.Background(), srv.URL, "", "", "", "", "master", "", "",
			"token", "", "", "", "", false, 5, "", false, "", "", "", false, nil, "26.0.0")
		if err != nil {
			t.Fatal(err)
		}
		res := tfprovider.KeycloakProvider(client).ResourcesMap["keycloak_realm"]
		imported := &terraform.InstanceState{ID: "r", Attributes: map[string]string{"id": "r"}}
		read, diags := res.RefreshWithoutUpgrade(context.Background(), imported, client)
		srv.Close()
		if diags.HasError() {
			t.Fatalf("brute force %v: read: %v", protected, diags)
		}
		failures := read.Attributes["security_defenses.0.brute_force_detection.0.max_login_failures"]
		wait := read.Attributes["security_defenses.0.brute_force_detection.0.max_failure_wait_seconds"]
		if protected && (failures != "5" || wait != "900") {
			t.Fatalf("brute force on: the read state has max_login_failures %q, max_failure_wait_seconds %q "+
				"(want 5 and 900: the patch is not applied?); state %v", failures, wait, read.Attributes)
		}
		if n := read.Attributes["security_defenses.#"]; !protected && n != "" && n != "0" {
			t.Fatalf("brute force off: the read state has %s security_defenses blocks, want none", n)
		}
	}
}
