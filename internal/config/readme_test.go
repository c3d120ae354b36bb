package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the configuration table in README.md")

// markdownTable renders the settings as the README shows them.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, s := range Settings() {
		d := s.Default()
		if d == "" {
			d = "(empty)"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | `%s` | %s |\n", s.Env, s.Flag, d, strings.ReplaceAll(s.Help, "|", "\\|"))
	}
	return b.String()
}

// TestREADMEConfigTable keeps the README's configuration table identical to
// the settings the binary accepts. Run with -update after adding a setting.
func TestREADMEConfigTable(t *testing.T) {
	const begin, end = "<!-- config-table:begin -->\n", "<!-- config-table:end -->"
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the config-table markers")
	}
	want := markdownTable()
	if readme[i+len(begin):j] == want {
		return
	}
	if !*update {
		t.Fatal("README.md configuration table is stale: go test ./internal/config -run README -update")
	}
	readme = readme[:i+len(begin)] + want + readme[j:]
	if err := os.WriteFile("../../README.md", []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"BOTDECK_ADDR": "0.0.0.0:9999", "BOTDECK_API_RATE_LIMIT": "5", "BOTDECK_PUBLIC_URL": "https://bots.example.com/"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c, err := Bind(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"-api-rate-limit", "7"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9999" || c.APIRateLimit != 7 || c.PublicURL != "https://bots.example.com" || !c.SecureCookies() {
		t.Fatalf("flags must override the environment, which overrides defaults: %+v", c)
	}
	bad := Defaults()
	bad.Signup = "maybe"
	bad.BroadcastRate = 99
	if err := bad.Validate(); err == nil {
		t.Fatal("invalid settings must be refused")
	}
}
