package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "botdeck.key")
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created || !bytes.Equal(k1.TokenEncryption, k2.TokenEncryption) {
		t.Fatal("loading again must give the same keys")
	}
	if bytes.Equal(k1.TokenEncryption, k1.CookieHash) {
		t.Fatal("purpose keys must differ")
	}
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("tiny"), 0o600)
	if _, _, err := LoadOrCreate(short); err == nil {
		t.Fatal("a short key file must be refused")
	}
}

func TestSealer(t *testing.T) {
	k, _ := Derive(bytes.Repeat([]byte{7}, 32))
	s, err := NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("123:secret"), []byte("bot_a"))
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if got, err := s.Open(sealed, []byte("bot_a")); err != nil || string(got) != "123:secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open(sealed, []byte("bot_b")); err == nil {
		t.Fatal("a ciphertext moved to another bot must not decrypt")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(sealed, []byte("bot_a")); err == nil {
		t.Fatal("tampered ciphertext must not decrypt")
	}
	other, _ := Derive(bytes.Repeat([]byte{8}, 32))
	s2, _ := NewSealer(other)
	if s.LookupHash("x") == s2.LookupHash("x") || s.LookupHash("x") != s.LookupHash("x") {
		t.Fatal("lookup hash must be keyed and stable")
	}
}
