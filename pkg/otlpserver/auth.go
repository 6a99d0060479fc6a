package otlpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/dbintel/dbintel/internal/config"
)

// authenticator checks inbound credentials. Tokens are kept as SHA-256
// digests and every configured digest is compared in constant time, so
// neither the content nor the length of a secret leaks through timing.
type authenticator struct {
	bearer, apiKeys [][sha256.Size]byte
}

// newAuthenticator returns nil when no credential is configured (auth off).
func newAuthenticator(c AuthConfig) *authenticator {
	if len(c.BearerTokens) == 0 && len(c.APIKeys) == 0 {
		return nil
	}
	digest := func(in []config.Secret) [][sha256.Size]byte {
		out := make([][sha256.Size]byte, len(in))
		for i, s := range in {
			out[i] = sha256.Sum256([]byte(s.Value()))
		}
		return out
	}
	return &authenticator{bearer: digest(c.BearerTokens), apiKeys: digest(c.APIKeys)}
}

// allow reports whether one of the presented header values is valid.
// authorization values are "Bearer <token>" (scheme case-insensitive).
func (a *authenticator) allow(authorization, apiKey []string) bool {
	ok := 0
	for _, v := range authorization {
		scheme, token, found := strings.Cut(strings.TrimSpace(v), " ")
		if found && strings.EqualFold(scheme, "bearer") {
			ok |= match(a.bearer, strings.TrimSpace(token))
		}
	}
	for _, v := range apiKey {
		ok |= match(a.apiKeys, strings.TrimSpace(v))
	}
	return ok == 1
}

func match(set [][sha256.Size]byte, presented string) int {
	if presented == "" {
		return 0
	}
	d := sha256.Sum256([]byte(presented))
	ok := 0
	for i := range set {
		ok |= subtle.ConstantTimeCompare(set[i][:], d[:])
	}
	return ok
}
