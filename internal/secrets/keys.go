// Package secrets loads Botdeck's secret key file and derives the keys used
// for bot-token encryption and session cookies from it.
package secrets

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MinKeyBytes is the least key material the file must hold.
const MinKeyBytes = 32

// Keys are independent keys derived from the one secret, so a leak of one
// use (say a cookie key in a log) does not expose another.
type Keys struct {
	TokenEncryption []byte // AES-256-GCM key for bot tokens at rest
	TokenLookup     []byte // HMAC key for the token uniqueness hash
	CookieHash      []byte // signs session cookies
	CookieBlock     []byte // encrypts session cookies
}

// LoadOrCreate reads the secret from path, creating it (mode 0600, 64
// random bytes) when it does not exist. created reports a new file, which
// the caller logs once: losing it makes stored tokens unreadable.
func LoadOrCreate(path string) (keys *Keys, created bool, err error) {
	secret, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		secret = make([]byte, 64)
		if _, err := rand.Read(secret); err != nil {
			return nil, false, err
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, false, err
			}
		}
		// O_EXCL: two instances starting at once must not both write a key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreate(path)
		}
		if err != nil {
			return nil, false, fmt.Errorf("create secret key file: %w", err)
		}
		if _, err := f.Write(secret); err != nil {
			f.Close()
			return nil, false, err
		}
		if err := f.Close(); err != nil {
			return nil, false, err
		}
		created = true
	} else if err != nil {
		return nil, false, fmt.Errorf("read secret key file: %w", err)
	}
	if len(secret) < MinKeyBytes {
		return nil, false, fmt.Errorf("secret key file %s holds %d bytes; it needs at least %d random bytes", path, len(secret), MinKeyBytes)
	}
	k, err := Derive(secret)
	return k, created, err
}

// Derive expands the secret into the purpose keys with HKDF-SHA256.
func Derive(secret []byte) (*Keys, error) {
	derive := func(purpose string, n int) ([]byte, error) {
		return hkdf.Key(sha256.New, secret, nil, "botdeck "+purpose, n)
	}
	var k Keys
	var err error
	if k.TokenEncryption, err = derive("token encryption", 32); err != nil {
		return nil, err
	}
	if k.TokenLookup, err = derive("token lookup", 32); err != nil {
		return nil, err
	}
	if k.CookieHash, err = derive("cookie hash", 32); err != nil {
		return nil, err
	}
	if k.CookieBlock, err = derive("cookie block", 32); err != nil {
		return nil, err
	}
	return &k, nil
}
