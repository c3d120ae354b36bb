package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Sealer encrypts secrets (bot tokens) at rest with AES-256-GCM and gives
// each a keyed lookup hash, so tokens can be matched for uniqueness without
// storing them in the clear or hashing them with an unkeyed, guessable hash.
type Sealer struct {
	aead      cipher.AEAD
	lookupKey []byte
}

// NewSealer builds a sealer from the derived keys.
func NewSealer(k *Keys) (*Sealer, error) {
	block, err := aes.NewCipher(k.TokenEncryption)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, lookupKey: k.TokenLookup}, nil
}

// Seal encrypts plaintext; the result is nonce || ciphertext. additional is
// authenticated but not encrypted (the bot id), so a ciphertext copied to
// another row does not decrypt there.
func (s *Sealer) Seal(plaintext, additional []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, plaintext, additional)
}

// ErrUnsealable means the ciphertext was made with another key or altered.
var ErrUnsealable = errors.New("secret cannot be decrypted: wrong secret key file or tampered data")

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed, additional []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrUnsealable
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], additional)
	if err != nil {
		return nil, ErrUnsealable
	}
	return out, nil
}

// LookupHash is HMAC-SHA256(lookup key, value), hex-encoded.
func (s *Sealer) LookupHash(value string) string {
	m := hmac.New(sha256.New, s.lookupKey)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}
