package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Tokens are "<wedding id>.<secret>" for a wedding's tokens, and any
// string for the operator's root token. The wedding id in front lets the API
// tell "a token of another wedding" (404, as for anything a token may not
// see) from "no valid token" (401) without a global token index; ids are
// not secrets. The secret is 32 random bytes, base64url without padding.
//
// Only SHA-256 hashes of tokens are stored. Wedding tokens are found by
// their hash (a map lookup, so the secret itself is never compared); the
// root token's hash is compared in constant time.

const secretBytes = 32

// NewToken returns a fresh token for a wedding and the hash to store.
func NewToken(weddingID string) (token string, hash [32]byte) {
	var secret [secretBytes]byte
	if _, err := rand.Read(secret[:]); err != nil {
		panic("httpapi: crypto/rand failed: " + err.Error()) // never, per crypto/rand's contract
	}
	token = weddingID + "." + base64.RawURLEncoding.EncodeToString(secret[:])
	return token, HashToken(token)
}

// NewRootToken returns a fresh operator token (no wedding prefix).
func NewRootToken() string {
	var secret [secretBytes]byte
	if _, err := rand.Read(secret[:]); err != nil {
		panic("httpapi: crypto/rand failed: " + err.Error())
	}
	return "root." + base64.RawURLEncoding.EncodeToString(secret[:])
}

// HashToken is the stored form of a token.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

func hashBytes(token []byte) [32]byte { return sha256.Sum256(token) }

// tokenWeddingBytes is the wedding id a token names, or "" for none.
func tokenWeddingBytes(token []byte) string {
	for i := len(token) - 1; i > 0; i-- {
		if token[i] == '.' {
			return string(token[:i])
		}
	}
	return ""
}
