package apptest

import (
	"net/http"
	"testing"

	"github.com/botdeck/botdeck/models"
)

// Password is the password of accounts made by SignUp.
const Password = "correct horse battery"

// SignUp creates an account through the API and returns a client signed in
// as it.
func (e *Env) SignUp(t testing.TB, email string) *Client {
	t.Helper()
	c := e.Client()
	c.Post(t, "/api/auth/signup", map[string]string{"email": email, "password": Password, "name": "Test " + email}).Expect(t, http.StatusCreated)
	return c
}

// User returns the account of a signed-in client.
func (c *Client) User(t testing.TB) models.User {
	t.Helper()
	d := c.Get(t, "/api/me").Expect(t, http.StatusOK).Data(t)
	return models.User{ID: d["id"].(string), Email: d["email"].(string), Name: d["name"].(string)}
}

// NewAPIKey creates an API key for the signed-in client and returns it.
func (c *Client) NewAPIKey(t testing.TB, name string) string {
	t.Helper()
	d := c.Post(t, "/api/api-keys", map[string]string{"name": name}).Expect(t, http.StatusCreated).Data(t)
	return d["key"].(string)
}

// Workspace returns the id of the workspace the signed-in client acts in
// (the owner id of everything it creates).
func (c *Client) Workspace(t testing.TB) string {
	t.Helper()
	for _, it := range c.Get(t, "/api/workspaces").Expect(t, http.StatusOK).List(t) {
		if m, ok := it.(map[string]any); ok && m["current"] == true {
			return m["id"].(string)
		}
	}
	t.Fatal("the client acts in no workspace")
	return ""
}
