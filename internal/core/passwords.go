package core

import (
	"github.com/alexedwards/argon2id"
)

// passwordParams are argon2id settings following OWASP's current minimum
// (19 MiB, 2 iterations, 1 lane): about 25 ms per hash on a 2-core machine,
// slow enough to hurt offline guessing, cheap enough for sign-in bursts.
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func hashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, passwordParams)
}

func checkPassword(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// dummyHash is compared against when the email is unknown, so a sign-in
// takes as long for an unknown email as for a wrong password and response
// times do not reveal which emails have accounts.
var dummyHash = func() string {
	h, err := hashPassword("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	return h
}()
