// Command replyload drives Botdeck's webhook at a fixed rate of /start
// updates from distinct new users and times each answer; see
// scripts/bench/replies.sh, which starts Botdeck and the fake Bot API.
//
// It connects 2×-bots bots through the API (each starts with the starter
// replies; the baseline group has them deleted, so nothing answers), caps
// each bot at Telegram's 30 messages/s in the fake (a faster sender gets
// 429s, counted), then runs two passes of -duration at -rate updates/s
// spread round-robin over one group's bots: the baseline group (ingest
// alone), then the answering group. Updates are sent on a fixed schedule
// (update i at start + i/rate, each in its own request, never waiting for
// earlier answers), so a slow server shows as latency, not as a slower
// load. For each update it records when its webhook POST got its 200, and
// after the pass reads from the fake when each answer's sendMessage
// arrived (same machine, same clock). With -answer code the answering
// group's replies are deleted too and the bots' code answers instead
// (bot.command('start', (ctx) => ctx.reply(…)), run after processing, its
// sends queued like a reply's).
//
//	replyload -botdeck URL -fake URL [-bots 50] [-rate 1000] [-duration 20s] [-answer replies|code]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

type bot struct {
	id, token, secret string
}

type sample struct {
	bot     int
	chat    int64
	planned time.Time
	ok      time.Time // zero: no 200
}

// client signs in and sets up (it keeps the session cookie); telegram
// posts the updates, without cookies, as Telegram does.
var (
	client   = &http.Client{Timeout: 60 * time.Second}
	telegram = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2000, DisableCompression: true}, Timeout: 60 * time.Second}
)

func main() {
	botdeck := flag.String("botdeck", "", "Botdeck's base URL")
	fake := flag.String("fake", "", "the fake Bot API's base URL")
	nbots := flag.Int("bots", 50, "bots per group")
	rate := flag.Float64("rate", 1000, "updates per second")
	duration := flag.Duration("duration", 20*time.Second, "length of each pass")
	only := flag.String("only", "", "run one pass: baseline or replies")
	answer := flag.String("answer", "replies", "what answers /start: replies (the starter reply) or code")
	flag.Parse()
	if *answer != "replies" && *answer != "code" {
		log.Fatalf("-answer: replies or code, not %q", *answer)
	}
	jar, _ := cookiejar.New(nil)
	client.Jar = jar
	must(post(*botdeck+"/api/auth/signup", map[string]any{"email": "bench@example.com", "password": "bench password"}, nil))
	base := connect(*botdeck, *fake, "base", *nbots, true)
	answering := connect(*botdeck, *fake, "answer", *nbots, *answer == "code")
	if *answer == "code" {
		for _, b := range answering {
			must(put(*botdeck+"/api/bots/"+b.id+"/code", map[string]any{
				"source": "bot.command('start', (ctx) => ctx.reply('Welcome, ' + ctx.from.first_name + '!'));"}))
		}
	}
	fmt.Printf("bots: %d per group, each capped at 30 messages/s at the fake; %.0f updates/s for %s per pass\n", *nbots, *rate, *duration)
	next := int64(1_000_000_000)
	if *only != "replies" {
		fmt.Println("== baseline: bots without replies (ingest alone)")
		report(pass(*botdeck, base, *rate, *duration, &next), nil, *fake, base)
	}
	if *only != "baseline" {
		if *answer == "code" {
			fmt.Println("== code: every /start answered by the bot's code (bot.command + ctx.reply)")
		} else {
			fmt.Println("== replies: every /start answered by the starter reply")
		}
		s := pass(*botdeck, answering, *rate, *duration, &next)
		report(s, answersOf(*fake, answering, s), *fake, answering)
	}
}

// connect adds n bots to the fake and connects them to Botdeck.
func connect(botdeck, fake, prefix string, n int, mute bool) []bot {
	bots := make([]bot, n)
	for i := range bots {
		var fb struct{ Result struct{ Token string } }
		must(post(fake+"/_fake/bots", map[string]any{"username": fmt.Sprintf("%s%d_bot", prefix, i), "firstName": "Bench"}, &fb))
		b := bot{token: fb.Result.Token}
		must(post(fake+"/_fake/send-rate", map[string]any{"botToken": b.token, "perSecond": 30}, nil))
		var cb struct{ Data struct{ ID string } }
		must(post(botdeck+"/api/bots", map[string]any{"token": b.token}, &cb))
		b.id = cb.Data.ID
		var st struct {
			Result struct{ WebhookSecret string }
		}
		must(get(fake+"/_fake/bots/state?botToken="+b.token, &st))
		b.secret = st.Result.WebhookSecret
		if mute {
			var rl struct{ Data []struct{ ID string } }
			must(get(botdeck+"/api/bots/"+b.id+"/replies", &rl))
			for _, r := range rl.Data {
				req, _ := http.NewRequest(http.MethodDelete, botdeck+"/api/bots/"+b.id+"/replies/"+r.ID, nil)
				must(do(req, nil))
			}
		}
		bots[i] = b
	}
	return bots
}

// pass sends rate×duration /start updates on a fixed schedule.
func pass(botdeck string, bots []bot, rate float64, d time.Duration, next *int64) []sample {
	n := int(rate * d.Seconds())
	samples := make([]sample, n)
	var wg sync.WaitGroup
	var late atomic.Int64
	start := time.Now().Add(100 * time.Millisecond)
	now := time.Now().Unix()
	for i := range samples {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if w := time.Until(at); w > 0 {
			time.Sleep(w) // the schedule itself, not synchronisation
		} else if w < -5*time.Millisecond {
			late.Add(1)
		}
		*next++
		id := *next
		s := &samples[i]
		s.bot, s.chat, s.planned = i%len(bots), id, at
		b := bots[s.bot]
		body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"from":{"id":%d,"is_bot":false,"first_name":"User","language_code":"en"},"chat":{"id":%d,"first_name":"User","type":"private"},"date":%d,"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`, id, id, id, now)
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, botdeck+"/tg/"+b.id, bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", b.secret)
			resp, err := telegram.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body) //nolint:errcheck
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ok = time.Now()
			}
		})
	}
	wg.Wait()
	if l := late.Load(); l > 0 {
		fmt.Printf("   (generator: %d of %d updates left more than 5 ms behind schedule)\n", l, n)
	}
	return samples
}

// answersOf waits (up to a minute after the last answer came) until every
// stored update has its answer at the fake, and returns when each chat's
// first message arrived.
func answersOf(fake string, bots []bot, samples []sample) map[int64]time.Time {
	want := 0
	for _, s := range samples {
		if !s.ok.IsZero() {
			want++
		}
	}
	got := map[int64]time.Time{}
	last, prev := time.Now(), -1
	for time.Since(last) < time.Minute {
		clear(got)
		for _, b := range bots {
			var ms struct {
				Result []struct {
					ChatID int64     `json:"chatId"`
					SentAt time.Time `json:"sentAt"`
				}
			}
			must(get(fake+"/_fake/messages?botToken="+b.token, &ms))
			for _, m := range ms.Result {
				if t, ok := got[m.ChatID]; !ok || m.SentAt.Before(t) {
					got[m.ChatID] = m.SentAt
				}
			}
		}
		if len(got) >= want {
			break
		}
		if len(got) != prev {
			last, prev = time.Now(), len(got)
		}
		time.Sleep(500 * time.Millisecond) // polling the fake, not synchronising with it
	}
	return got
}

func report(samples []sample, answers map[int64]time.Time, fake string, bots []bot) {
	var web, lat []time.Duration
	var first, lastOK time.Time
	missing := 0
	for _, s := range samples {
		if s.ok.IsZero() {
			continue
		}
		web = append(web, s.ok.Sub(s.planned))
		if first.IsZero() || s.planned.Before(first) {
			first = s.planned
		}
		if s.ok.After(lastOK) {
			lastOK = s.ok
		}
		if answers != nil {
			if at, ok := answers[s.chat]; ok {
				lat = append(lat, at.Sub(s.ok))
			} else {
				missing++
			}
		}
	}
	fmt.Printf("   sent %d, answered 200: %d, %.0f updates/s (first planned send → last 200)\n",
		len(samples), len(web), float64(len(web))/lastOK.Sub(first).Seconds())
	fmt.Printf("   webhook (planned send → 200): %s\n", pct(web))
	if answers != nil {
		fmt.Printf("   answer (webhook 200 → sendMessage at the fake): %s; missing %d\n", pct(lat), missing)
	}
	limited, sent := 0, 0
	for _, b := range bots {
		var st struct {
			Result struct {
				RateLimited int `json:"rateLimited"`
				SentCount   int `json:"sentCount"`
			}
		}
		must(get(fake+"/_fake/bots/state?botToken="+b.token, &st))
		limited += st.Result.RateLimited
		sent += st.Result.SentCount
	}
	fmt.Printf("   at the fake: %d messages, %d answered 429\n", sent, limited)
}

func pct(d []time.Duration) string {
	if len(d) == 0 {
		return "none"
	}
	slices.Sort(d)
	at := func(p float64) string {
		return fmt.Sprintf("%.1f ms", float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds())/1000)
	}
	return fmt.Sprintf("p50 %s, p95 %s, p99 %s, max %s", at(0.5), at(0.95), at(0.99), at(1))
}

func post(url string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return do(req, out)
}

func put(url string, body any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return do(req, nil)
}

func get(url string, out any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return do(req, out)
}

func do(req *http.Request, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
