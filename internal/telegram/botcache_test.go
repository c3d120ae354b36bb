package telegram

import (
	"fmt"
	"testing"

	"github.com/mymmrac/telego"
)

func testToken(i int) string {
	return fmt.Sprintf("%09d:AA%033d", 100000000+i, i)
}

func TestBotCacheIsBounded(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1", BotCacheSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.bot("getMe", testToken(0))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.bot("getMe", testToken(0)); again != first {
		t.Fatal("a cached bot was not reused")
	}
	for i := 1; i <= 5; i++ {
		if _, err := c.bot("getMe", testToken(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.bots.len(); n != 3 {
		t.Fatalf("cache holds %d bots, want 3", n)
	}
	if again, _ := c.bot("getMe", testToken(0)); again == first {
		t.Fatal("the least recently used bot was not evicted")
	}
	c.Forget(testToken(0))
	if n := c.bots.len(); n != 2 {
		t.Fatalf("after Forget: %d bots", n)
	}
}

// BenchmarkBotLookup compares telego.NewBot per call with the cache; the
// result is why Client keeps one.
func BenchmarkBotLookup(b *testing.B) {
	c, _ := New(Options{BaseURL: "http://127.0.0.1:1"})
	tok := testToken(1)
	b.Run("NewBot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := telego.NewBot(tok, telego.WithAPIServer(c.baseURL), telego.WithAPICaller(c.caller), telego.WithDiscardLogger()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.bot("getMe", tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
