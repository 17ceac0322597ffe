// Run by scripts/build-engine.sh in the Keycloak plugin's provider/ folder after the patched build (as
// zz_<this file's name>): PulumiToTerraformName, patched, must return what the scan it replaces returned, for every
// field of every Keycloak resource and data source (nested blocks too), with and without their schema info, on a
// first lookup and on one from the table.
package keycloak

import (
	"testing"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
)

func scan(name string, tfs shim.SchemaMap, ps map[string]*tfbridge.SchemaInfo) (string, bool) {
	var result string
	tfs.Range(func(key string, _ shim.Schema) bool {
		if tfbridge.TerraformToPulumiNameV2(key, tfs, ps) == name {
			result = key
		}
		return result == ""
	})
	return result, result != ""
}

func check(t *testing.T, where string, tfs shim.SchemaMap, ps map[string]*tfbridge.SchemaInfo, n *int) {
	names := map[string]bool{"notAField": true, "id": true, "": true}
	tfs.Range(func(key string, s shim.Schema) bool {
		names[tfbridge.TerraformToPulumiNameV2(key, tfs, ps)] = true
		names[key] = true
		if r, ok := s.Elem().(shim.Resource); ok {
			var sub map[string]*tfbridge.SchemaInfo
			if ps != nil && ps[key] != nil {
				sub = ps[key].Fields
				if ps[key].Elem != nil && ps[key].Elem.Fields != nil {
					sub = ps[key].Elem.Fields
				}
			}
			check(t, where+"."+key, r.Schema(), sub, n)
		}
		return true
	})
	for name := range names {
		for round := 0; round < 2; round++ { // the second lookup comes from the table
			got := tfbridge.PulumiToTerraformName(name, tfs, ps)
			want, found := scan(name, tfs, ps)
			if found && got != want {
				// Several keys with one Pulumi name: the scan's pick depends on map order; both must map to it.
				if tfbridge.TerraformToPulumiNameV2(got, tfs, ps) != name {
					t.Errorf("%s: %q -> %q, scan %q", where, name, got, want)
				}
			}
			if !found && got != tfbridge.PulumiToTerraformName(name, nil, nil) {
				t.Errorf("%s: %q -> %q, not in the schema", where, name, got)
			}
			*n++
		}
	}
}

func TestPatchedReverseNames(t *testing.T) {
	p := Provider()
	n := 0
	p.P.ResourcesMap().Range(func(tok string, r shim.Resource) bool {
		var fields map[string]*tfbridge.SchemaInfo
		if info := p.Resources[tok]; info != nil {
			fields = info.Fields
		}
		check(t, tok, r.Schema(), fields, &n)
		check(t, tok+"(no info)", r.Schema(), nil, &n)
		return true
	})
	p.P.DataSourcesMap().Range(func(tok string, r shim.Resource) bool {
		var fields map[string]*tfbridge.SchemaInfo
		if info := p.DataSources[tok]; info != nil {
			fields = info.Fields
		}
		check(t, tok, r.Schema(), fields, &n)
		return true
	})
	t.Logf("%d lookups compared", n)
}
