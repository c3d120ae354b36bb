// Package openapi holds the OpenAPI 3 description of /api, one YAML file
// per resource (base.yaml has the shared parts), merged at start-up into
// the document served at GET /api/openapi.json. A test checks that every
// registered /api route is described and that every /api response in the
// test suite validates against it.
package openapi

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/yaml"
)

//go:embed *.yaml
var files embed.FS

// Document is the merged, validated description.
type Document struct {
	Spec *openapi3.T
	JSON []byte
}

// Load merges the YAML files and validates the result.
func Load() (*Document, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	merged := map[string]any{}
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var part map[string]any
		if err := json.Unmarshal(js, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := mergeInto(merged, part, name, nil); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load merged openapi: %w", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid openapi: %w", err)
	}
	pretty, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return &Document{Spec: spec, JSON: pretty}, nil
}

// mergeInto adds src to dst. Objects merge recursively; any other value
// defined twice (a path operation or schema described in two files) is an
// error, so two features can never silently overwrite each other.
func mergeInto(dst, src map[string]any, file string, at []string) error {
	for k, v := range src {
		existing, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		em, eIsMap := existing.(map[string]any)
		vm, vIsMap := v.(map[string]any)
		if !eIsMap || !vIsMap || wholeDefinitions(at) {
			return fmt.Errorf("%s: %s is already defined in another file", file, strings.Join(append(at, k), " > "))
		}
		if err := mergeInto(em, vm, file, append(append([]string(nil), at...), k)); err != nil {
			return err
		}
	}
	return nil
}

// wholeDefinitions reports whether the keys under path are definitions that
// must each come from a single file: schemas and friends, and the
// operations (methods) of a path.
func wholeDefinitions(path []string) bool {
	if len(path) == 2 && path[0] == "components" {
		return true
	}
	return len(path) == 2 && path[0] == "paths"
}
