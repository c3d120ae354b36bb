package handlers_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

// Parallel wrong passwords for one email stop at the limit (5): the attempt
// is counted before the password is checked, in one statement, so 20
// requests in flight at once cannot all be checked against a count of 0.
func TestParallelWrongLoginsStopAtLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "race-target@example.com")
		const n = 20
		statuses := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				c := env.Client()
				<-start
				statuses <- c.Post(t, "/api/auth/login", map[string]string{"email": "race-target@example.com", "password": "guess guess"}).StatusCode
			})
		}
		close(start)
		wg.Wait()
		close(statuses)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != n-5 {
			t.Fatalf("want 5 checked guesses (401) and %d refused (429), got %v", n-5, counts)
		}
	})
}
