package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkUsers measures a bot's users page (query, totals and render,
// through the whole middleware chain, in-process) over one bot with
// 1,000,000 users on PostgreSQL and 100,000 on SQLite (to keep the run
// short), next to a bare handler and /healthz measured in the same run.
// Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench Users -benchtime 20x ./handlers/
//
// Set BOTDECK_BENCH_USERS_SQLITE=1000000 for the full set on SQLite too.
func BenchmarkUsers(b *testing.B) {
	b.Run("baseline/bare-handler", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"data":[]}`))
		})
		req := httptest.NewRequest(http.MethodGet, "/bare", nil)
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	for _, d := range dbtest.Dialects() {
		n := 1_000_000
		if d == "sqlite" {
			n = envInt("BOTDECK_BENCH_USERS_SQLITE", 100_000)
		}
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		bot := env.ConnectBot(b, owner, "crowd_bot")
		start := time.Now()
		bulkSeedUsers(b, env, bot.ID, n, realisticUser)
		b.Logf("%s: seeded %d users in %v", d, n, time.Since(start).Round(time.Millisecond))
		cookies := owner.Cookies()
		h := env.App.Handler()
		base := "/bots/" + bot.ID + "/users"
		run := func(name, path string, hx bool) {
			b.Run(fmt.Sprintf("%s-%dk/%s", d, n/1000, name), func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					for _, c := range cookies {
						req.AddCookie(c)
					}
					if hx {
						req.Header.Set("HX-Request", "true")
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", path, rec.Code)
					}
				}
			})
		}
		run("healthz", "/healthz", false)
		run("page/first", base, false)
		run("page/search-name", base+"?q=kowal", false)
		run("fragment/search-as-you-type", base+"?q=mar", true)
		run("fragment/first-letter", base+"?q=m", true)
		run("page/search-username", base+"?q=%40olga_12", false)
		run("page/search-exact-id", base+fmt.Sprintf("?q=%d", benchUserID(n/2)), false)
		run("page/filter-blocked", base+"?status=blocked", false)
		run("page/filter-bot-blocked", base+"?status=botBlocked", false)
		run("page/filter-active-sort-last-seen", base+"?status=active&sort=-lastSeen", false)
		run("page/sort-name-page-50", base+"?sort=name&page=50", false)
		run("api/first", "/api/bots/"+bot.ID+"/users", false)
		run("api/search-filter", "/api/bots/"+bot.ID+"/users?q=ivan&status=active", false)
		// The known worst case: two letters matching nobody. No index
		// holds fewer than three characters, so it is a full scan.
		run("page/search-two-letters-no-match", base+"?q=zq", false)
	}
}

// Names of the generated audience: 48 first names × 64 last names, so a
// surname fragment such as "kowal" matches about 1 user in 64, and a
// common syllable ("mar") far more.
var (
	benchFirstNames = strings.Fields("Anna Boris Chloe Dmitri Eve Farid Grace Hugo Ines Jamal Kasia Liam Maria Nikolai Olga Pavel " +
		"Quinn Rosa Sven Tanya Umar Vera Wang Ximena Yusuf Zoe Amir Bea Carlos Daria Emil Fatima Gosia Hana Igor Julia Karl Lena " +
		"Marco Nadia Oscar Petra Rafael Sofia Timur Ulla Viktor Wiktoria")
	benchLastNames = strings.Fields("Kowalski Ivanov Martin Smith Garcia Muller Rossi Novak Silva Kim Nguyen Haddad Petrov Jensen " +
		"Lopez Fischer Romano Horvat Costa Park Tran Mansour Sokolov Larsen Moreno Weber Bianchi Kovac Pereira Lee Pham Saleh " +
		"Volkov Hansen Diaz Schulz Greco Marek Santos Choi Vu Aziz Orlov Nielsen Ruiz Wagner Conti Blazek Alves Yoon Bui Nasser " +
		"Popov Berg Torres Becker Ricci Dvorak Ramos Han Do Khalil Morozov Lund")
)

// benchUser is the generated user number i (from 1).
type benchUser struct{ First, Last, Username string }

// realisticUser names user i: a third have no username, like real audiences.
func realisticUser(i int) benchUser {
	f, l := benchFirstNames[i%len(benchFirstNames)], benchLastNames[(i/len(benchFirstNames))%len(benchLastNames)]
	u := ""
	if i%3 != 0 {
		u = fmt.Sprintf("%s_%d", strings.ToLower(f), i)
	}
	return benchUser{f, l, u}
}

func benchUserID(i int) int64 { return int64(100_000_000 + i) }

// bulkSeedUsers inserts users 1..n of one bot (ids benchUserID(i)) straight
// into the table, in chunks, and moves the bot's counter as ingest would.
// Every 50th user is blocked by the owner, every 20th blocked the bot.
// PostgreSQL then gets ANALYZE so its plans are the ones a live
// database (with autovacuum) would use.
func bulkSeedUsers(t testing.TB, env *apptest.Env, botID string, n int, name func(int) benchUser) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 2000
	for start := 1; start <= n; start += chunk {
		users := make([]models.BotUser, 0, chunk)
		for i := start; i < start+chunk && i <= n; i++ {
			nm := name(i)
			started := base.Add(time.Duration(i) * 25 * time.Second)
			users = append(users, models.BotUser{
				BotID: botID, UserID: benchUserID(i), Username: nm.Username, FirstName: nm.First, LastName: nm.Last,
				Name: models.FullName(nm.First, nm.Last), LanguageCode: []string{"en", "ru", "es", "de", "pt", ""}[i%6],
				IsPremium: i%9 == 0, StartedAt: started, LastSeenAt: started.Add(time.Duration(i*7919%(90*86400)) * time.Second),
				Blocked: i%50 == 0, BotBlocked: i%20 == 0,
			})
		}
		if _, err := env.App.DB.NewInsert().Model(&users).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.DB.NewUpdate().Table("bots").Set("total_users = total_users + ?", n).Where("id = ?", botID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if dbtest.Dialect(env.Dialect) == "postgres" {
		if _, err := env.App.DB.ExecContext(ctx, "VACUUM ANALYZE bot_users"); err != nil {
			t.Fatal(err)
		}
	} else if _, err := env.App.DB.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}

// BenchmarkAudienceCSVExport streams the full export of one bot's
// 1,000,000 users (PostgreSQL; 100,000 on SQLite unless
// BOTDECK_BENCH_USERS_SQLITE says otherwise) through the whole handler
// chain into a discarding writer. It reports rows per second and how far
// the live Go heap (as of the latest GC, sampled at every flush) grew
// above where it stood before the export: about one batch, whatever the
// number of users. (The baseline itself is not the export's: after bulk
// seeding, pgx's per-connection statement cache still holds the seed's
// large INSERT texts.)
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench AudienceCSVExport -benchtime 1x ./handlers/
func BenchmarkAudienceCSVExport(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		n := 1_000_000
		if d == "sqlite" {
			n = envInt("BOTDECK_BENCH_USERS_SQLITE", 100_000)
		}
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "export@example.com")
		bot := env.ConnectBot(b, owner, "export_bot")
		bulkSeedUsers(b, env, bot.ID, n, realisticUser)
		cookies := owner.Cookies()
		h := env.App.Handler()
		b.Run(fmt.Sprintf("%s-%dk", d, n/1000), func(b *testing.B) {
			var before, peak uint64
			for b.Loop() {
				runtime.GC()
				before = liveHeap()
				req := httptest.NewRequest(http.MethodGet, "/api/bots/"+bot.ID+"/users.csv", nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				w := &heapWatcher{header: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK || w.lines != n+1 {
					b.Fatalf("status %d, %d lines", w.status, w.lines)
				}
				peak = max(peak, w.peak)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(max(float64(peak)-float64(before), 0)/(1<<20), "heap-growth-MiB")
		})
	}
}

// liveHeap is the heap still in use after the latest garbage collection.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapWatcher discards a response, counting its lines and sampling the
// live heap at every flush.
type heapWatcher struct {
	header http.Header
	status int
	lines  int
	peak   uint64
}

func (w *heapWatcher) Header() http.Header { return w.header }
func (w *heapWatcher) WriteHeader(s int)   { w.status = s }
func (w *heapWatcher) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
func (w *heapWatcher) Flush() { w.peak = max(w.peak, liveHeap()) }
