package openapi

import "testing"

func TestLoad(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Spec.Paths.Find("/api/me") == nil {
		t.Fatal("/api/me missing")
	}
}

func TestMergeRefusesDuplicates(t *testing.T) {
	dst := map[string]any{"paths": map[string]any{"/x": map[string]any{"get": map[string]any{}}}}
	src := map[string]any{"paths": map[string]any{"/x": map[string]any{"get": map[string]any{}}}}
	if err := mergeInto(dst, src, "b.yaml", nil); err == nil {
		t.Fatal("a duplicate operation must be an error")
	}
	other := map[string]any{"paths": map[string]any{"/x": map[string]any{"post": map[string]any{}}}}
	if err := mergeInto(dst, other, "c.yaml", nil); err != nil {
		t.Fatalf("another method on the same path must merge: %v", err)
	}
}
