package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the demo writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDemoRunsAndStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo seeds a month of history")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Addr: "127.0.0.1:0", Out: out, Seed: 42}) }()

	started := time.Now()
	waitFor := func(what string) {
		deadline := time.Now().Add(120 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("the demo never printed %q:\n%s", what, out)
			}
			select {
			case err := <-done:
				t.Fatalf("the demo stopped early: %v\n%s", err, out)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	// The credentials come first, while the history is still being filled in.
	waitFor("Press Ctrl-C")
	t.Logf("credentials printed after %v", time.Since(started))
	if strings.Contains(out.String(), HistoryReady) {
		t.Fatal("the credentials must not wait for the history")
	}
	text := out.String()
	base := regexp.MustCompile(`Open\s+(http://\S+)`).FindStringSubmatch(text)[1]
	password := regexp.MustCompile(`Password\s+(\S+)`).FindStringSubmatch(text)[1]
	dbPath := regexp.MustCompile(`Database\s+(\S+)`).FindStringSubmatch(text)[1]

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"email": DemoEmail, "password": password})
	res, err := client.Post(base+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sign in with the printed credentials: %v %v", res, err)
	}
	res.Body.Close()
	// Signed in while the history fills in; its progress is printed.
	waitFor(HistoryReady)
	if !strings.Contains(out.String(), "History: 20 of 30 days filled in") {
		t.Errorf("history progress is printed:\n%s", out)
	}
	var bots struct {
		Data []struct {
			Name       string `json:"name"`
			Status     string `json:"status"`
			TotalUsers int    `json:"totalUsers"`
		} `json:"data"`
	}
	getJSON(t, client, base+"/api/bots", &bots)
	if len(bots.Data) != 3 {
		t.Fatalf("three demo bots, got %+v", bots.Data)
	}
	for _, b := range bots.Data {
		if b.TotalUsers < 50 || b.Status != "active" {
			t.Errorf("bot %s: %d users, status %s", b.Name, b.TotalUsers, b.Status)
		}
	}
	var campaigns struct {
		Data []struct {
			Joins int `json:"joins"`
		} `json:"data"`
	}
	getJSON(t, client, base+"/api/campaigns", &campaigns)
	if len(campaigns.Data) != 2 || campaigns.Data[0].Joins == 0 {
		t.Fatalf("two campaigns with joins: %+v", campaigns.Data)
	}
	statuses := map[string]int{}
	var allBots struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	getJSON(t, client, base+"/api/bots", &allBots)
	for _, b := range allBots.Data {
		var list struct {
			Data []struct {
				Status string `json:"status"`
			} `json:"data"`
		}
		getJSON(t, client, base+"/api/bots/"+b.ID+"/broadcasts", &list)
		for _, bc := range list.Data {
			statuses[bc.Status]++
		}
	}
	if statuses["done"] < 1 || statuses["running"]+statuses["queued"] < 1 {
		t.Fatalf("one finished and one running broadcast: %v", statuses)
	}
	page, _ := client.Get(base + "/bots")
	var html bytes.Buffer
	html.ReadFrom(page.Body)
	page.Body.Close()
	if !strings.Contains(html.String(), "Demo — sandbox Telegram, nothing is sent.") {
		t.Fatal("every page shows the demo banner")
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the demo did not stop within 5 seconds")
	}
	t.Logf("stopped in %v", time.Since(start))
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Fatalf("the demo database %s must be removed without --keep", dbPath)
	}
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDemoStopsWhileFillingInHistory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Addr: "127.0.0.1:0", Out: out, Seed: 7}) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the demo did not print its credentials:\n%s", out)
		}
		select {
		case err := <-done:
			t.Fatalf("the demo stopped early: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel() // Ctrl-C before the history is complete
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a stop during the history is a clean stop, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop while filling in its history")
	}
}
