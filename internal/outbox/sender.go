package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// botRun sends one bot's outbox while this instance holds the bot's lease:
// a dispatcher claims due messages (by priority, then age), one slot of
// the bot's gate each, and hands them to Workers goroutines. A chat has at
// most one call in flight (its messages arrive in order) and its own pace.
type botRun struct {
	o      *Outbox
	botID  string
	epoch  int64
	gate   *Gate
	cancel context.CancelFunc
	wake   chan bool // true: something was just queued

	pending sync.WaitGroup // outcomes handed to the recorder, not written yet

	mu       sync.Mutex
	chats    map[int64]*chatPace
	chatWait bool   // the dispatcher waits for a chat's call to end: due messages are all for busy chats
	finished uint64 // calls ended, so a look can tell whether one ended while it ran
	bot      *models.Bot
	token    string
	loaded   time.Time
	logged   map[string]time.Time // throttles repeated log entries
}

// chatPace is a token bucket per chat, and whether a call to it is out.
type chatPace struct {
	inflight bool
	tokens   float64
	last     time.Time
}

func newBotRun(o *Outbox, botID string, epoch int64) *botRun {
	return &botRun{o: o, botID: botID, epoch: epoch, gate: o.gates.Of(botID), wake: make(chan bool, 1),
		chats: map[int64]*chatPace{}, logged: map[string]time.Time{}}
}

func (r *botRun) poke(woken bool) {
	select {
	case r.wake <- woken:
	default:
	}
}

func (r *botRun) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		{
			r.pending.Wait() // the outcomes land before another holder may judge them
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer rcancel()
			if err := models.ReleaseOutboxLease(rctx, r.o.db, r.botID, r.o.instance, r.epoch); err != nil {
				r.o.log.WarnContext(rctx, "outbox: release lease", "bot", r.botID, "err", err)
			}
		}
	}()
	// Messages still "sending" under an older epoch were out when their
	// sender stopped dead: unconfirmed, never sent again.
	if n, err := models.MarkOutboxInDoubt(ctx, r.o.db, r.botID, r.epoch, models.Now()); err != nil {
		r.o.log.WarnContext(ctx, "outbox: resolve messages in doubt", "bot", r.botID, "err", err)
		return
	} else if n > 0 {
		r.writeLog(ctx, models.LogError, fmt.Sprintf("%d message(s) were being sent when Botdeck stopped unexpectedly. "+
			"They may or may not have arrived, so they are not sent again.", n), "")
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.keepLease(ctx, cancel) })
	jobs := make(chan *models.OutboxMessage)
	var workers sync.WaitGroup
	for range r.o.cfg.Workers {
		workers.Go(func() {
			for m := range jobs {
				r.send(ctx, m)
			}
		})
	}
	r.dispatch(ctx, jobs)
	close(jobs)
	workers.Wait()
	cancel()
	wg.Wait()
}

// keepLease renews the lease until ctx ends; losing it (or failing to
// renew it for most of a lease period) stops the run.
func (r *botRun) keepLease(ctx context.Context, stop context.CancelFunc) {
	every := r.o.cfg.Lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := models.Now()
		held, err := models.RenewOutboxLease(ctx, r.o.db, r.botID, r.o.instance, r.epoch, now.Add(r.o.cfg.Lease), now)
		switch {
		case err == nil && !held:
			r.o.log.InfoContext(ctx, "outbox: lease lost", "bot", r.botID)
			stop()
			return
		case err == nil:
			last = time.Now()
		case time.Since(last) > r.o.cfg.Lease-every:
			r.o.log.WarnContext(ctx, "outbox: cannot renew lease", "bot", r.botID, "err", err)
			stop()
			return
		}
	}
}

// fastRetries are the waits after a wake-up that found nothing: the
// message was queued in a transaction that had not committed yet.
var fastRetries = []time.Duration{2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
	20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}

// claimAhead is how many due messages the dispatcher looks at at once.
const claimAhead = 16

// dispatch claims due messages and hands them to the workers until the bot
// has had nothing to send for IdleRelease, cannot send, or ctx ends.
//
// Messages are claimed in batches: the first one waits for a slot of the
// gate, the others of the same priority (to other chats, at most one each,
// and no more than the workers free) join it if the gate lets them through
// at once — the answers of one processing batch leave together, claimed by
// one statement instead of one each. When a look found fewer messages than
// it asked for and all of them were claimed, nothing else is due: the
// dispatcher then waits for a wake-up (a new message, the scan, a busy
// chat's call ending) instead of looking again at once — two queries per
// message saved at 1,000 answers a second.
func (r *botRun) dispatch(ctx context.Context, jobs chan<- *models.OutboxMessage) {
	idleSince := time.Now()
	retry := len(fastRetries) // no wake-up pending
	drained := false          // the last look's messages were all claimed
	var drainedReady time.Time
	for ctx.Err() == nil {
		if !r.refreshBot(ctx) {
			return
		}
		if drained {
			// Wake-ups come from a new message, the end of a busy chat's
			// call, a retry coming due (finish) or the scan; a paced chat
			// frees up at a known time.
			drained = false
			wait := r.o.cfg.IdleRelease
			if !drainedReady.IsZero() {
				wait = min(wait, max(time.Until(drainedReady), time.Millisecond))
			}
			if !r.sleep(ctx, wait, &retry) {
				return
			}
			continue
		}
		r.mu.Lock()
		finished := r.finished
		r.mu.Unlock()
		look, err := r.look(ctx)
		if err != nil {
			if !r.sleep(ctx, time.Second, &retry) {
				return
			}
			continue
		}
		if len(look.free) == 0 {
			wait := r.o.cfg.IdleRelease
			if retry < len(fastRetries) {
				wait = fastRetries[retry]
				retry++
			}
			if look.busy {
				// Due messages, all for chats with a call in flight: the
				// call's end pokes.
				idleSince = time.Now()
			} else if at, err := models.NextOutboxDueAt(ctx, r.o.db, r.botID); err == nil && at != nil {
				// Queued messages due later, or due now for chats whose
				// pace is used up (chatReady below).
				idleSince = time.Now()
				if at.After(models.Now()) {
					wait = min(wait, max(time.Until(*at), time.Millisecond))
				}
			}
			if !look.chatReady.IsZero() {
				wait = min(wait, max(time.Until(look.chatReady), time.Millisecond))
				idleSince = time.Now()
			}
			if r.inflight() > 0 {
				idleSince = time.Now()
			}
			if time.Since(idleSince) >= r.o.cfg.IdleRelease && retry >= len(fastRetries) {
				return
			}
			if r.waitForChats(look.busy, finished) && !r.sleep(ctx, wait, &retry) {
				return
			}
			continue
		}
		idleSince = time.Now()
		waited := time.Now()
		if err := r.gate.Wait(ctx, look.free[0].Priority); err != nil {
			return
		}
		if time.Since(waited) > r.gate.interval {
			// Something more urgent may have been queued meanwhile: look
			// again, holding the slot.
			if again, err := r.look(ctx); err == nil && len(again.free) > 0 {
				look = again
			}
		}
		batch := r.batchOf(look.free)
		n := 1 + r.gate.TakeNow(batch[0].Priority, len(batch)-1)
		ids := make([]int64, n)
		for i := range n {
			ids[i] = batch[i].ID
		}
		claimed, err := models.ClaimOutboxIDs(ctx, r.o.db, r.botID, r.o.instance, r.epoch, models.Now(), ids)
		if err != nil {
			continue
		}
		if look.complete && n == len(look.free) && len(claimed) == n {
			// Nothing else is due; a call that ended during the look is
			// looked at again rather than waited for.
			drained, drainedReady = r.waitForChats(look.busy, finished), look.chatReady
		}
		for i := range claimed {
			m := &claimed[i]
			r.took(m)
			select {
			case jobs <- m:
			case <-ctx.Done():
				// Claimed but never sent: give them back.
				for j := i; j < len(claimed); j++ {
					r.finish(context.WithoutCancel(ctx), &claimed[j], models.OutboxOutcome{Status: models.OutboxQueued,
						NotBefore: models.Now(), Uncount: true})
				}
				return
			}
		}
	}
}

// outboxLook is what one look at the bot's due messages found.
type outboxLook struct {
	free      []models.OutboxCandidate // due, for chats that may take a message now, in claiming order
	busy      bool                     // some due messages are for chats with a call in flight
	complete  bool                     // free and busy are all the bot's due messages
	chatReady time.Time                // when the first paced chat may take a message again
}

// look reads the bot's due messages. Chats with a call in flight are
// filtered out here rather than in the query (which then reads the same
// text every time); only when the whole window is theirs is the query
// made again without them, so one busy chat's backlog never hides the
// others.
func (r *botRun) look(ctx context.Context) (outboxLook, error) {
	now := models.Now()
	inflight, paced, chatReady := r.busyChats(time.Now())
	due, err := models.DueOutbox(ctx, r.o.db, r.botID, now, paced, claimAhead)
	if err != nil {
		return outboxLook{}, err
	}
	l := outboxLook{complete: len(due) < claimAhead, chatReady: chatReady}
	for _, c := range due {
		if inflight[c.ChatID] {
			l.busy = true
		} else {
			l.free = append(l.free, c)
		}
	}
	if len(l.free) == 0 && !l.complete {
		skip := slices.AppendSeq(paced, maps.Keys(inflight))
		if due, err = models.DueOutbox(ctx, r.o.db, r.botID, now, skip, claimAhead); err != nil {
			return outboxLook{}, err
		}
		l.free = due
	}
	return l, nil
}

// waitForChats tells the chats' calls to poke the dispatcher when they end
// (busy) or not, and says whether it may sleep now: not when a call ended
// since the look began (finished), unseen.
func (r *botRun) waitForChats(busy bool, finished uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chatWait = busy
	return !busy || r.finished == finished
}

// batchOf picks from due (in claiming order) what may be claimed together:
// the first message, then others of its priority to other chats, as many
// as workers are free.
func (r *botRun) batchOf(due []models.OutboxCandidate) []models.OutboxCandidate {
	limit := max(1, r.o.cfg.Workers-r.inflight())
	batch := due[:1:1]
	chats := map[int64]bool{due[0].ChatID: true}
	for _, c := range due[1:] {
		if len(batch) >= limit || c.Priority != due[0].Priority {
			break
		}
		if !chats[c.ChatID] {
			chats[c.ChatID] = true
			batch = append(batch, c)
		}
	}
	return batch
}

// drain sends the bot's due messages one by one (SendDue) and returns how
// many calls it made.
func (r *botRun) drain(ctx context.Context) int {
	if _, err := models.MarkOutboxInDoubt(ctx, r.o.db, r.botID, r.epoch, models.Now()); err != nil {
		return 0
	}
	n := 0
	for ctx.Err() == nil && r.refreshBot(ctx) {
		inflight, skip, _ := r.busyChats(time.Now())
		skip = slices.AppendSeq(skip, maps.Keys(inflight))
		next, err := models.NextOutbox(ctx, r.o.db, r.botID, models.Now(), skip)
		if err != nil || next == nil {
			return n
		}
		if r.gate.Wait(ctx, next.Priority) != nil {
			return n
		}
		m, err := models.ClaimOutbox(ctx, r.o.db, r.botID, r.o.instance, r.epoch, models.Now(), skip)
		if err != nil || m == nil {
			return n
		}
		r.took(m)
		r.send(ctx, m)
		n++
	}
	return n
}

// sleep waits d or until poked; a poke for a new message restarts the
// quick looks.
func (r *botRun) sleep(ctx context.Context, d time.Duration, retry *int) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case woken := <-r.wake:
		if woken {
			*retry = 0
		}
	case <-t.C:
	}
	return true
}

// refreshBot reloads the bot every few seconds; a bot that cannot send
// (stopped, token revoked, disconnected) fails its queued messages and
// ends the run.
func (r *botRun) refreshBot(ctx context.Context) bool {
	r.mu.Lock()
	fresh := r.bot != nil && time.Since(r.loaded) < 2*time.Second
	r.mu.Unlock()
	if fresh {
		return true
	}
	bot, err := models.BotByID(ctx, r.o.db, r.botID)
	if err != nil {
		return false
	}
	if bot.Status != models.BotActive && bot.Status != models.BotWarning {
		reason := "Not sent: " + bot.Handle() + " was stopped."
		switch bot.Status {
		case models.BotError:
			reason = "Not sent: Telegram rejects the token of " + bot.Handle() + "."
		case models.BotDeleted:
			reason = "Not sent: " + bot.Handle() + " was disconnected."
		}
		if failed, err := models.FailQueuedOutbox(ctx, r.o.db, r.botID, reason, models.Now()); err == nil && len(failed) > 0 {
			r.writeLog(ctx, models.LogError, fmt.Sprintf("%d queued message(s) were dropped. %s", len(failed), reason), "")
			msgs := make([]*models.OutboxMessage, len(failed))
			for i := range failed {
				msgs[i] = &failed[i]
			}
			r.o.observe(ctx, msgs)
		}
		return false
	}
	token, err := r.o.bots.Token(bot)
	if err != nil {
		r.o.log.ErrorContext(ctx, "outbox: token", "bot", bot.ID, "err", err)
		return false
	}
	r.mu.Lock()
	r.bot, r.token, r.loaded = bot, token, time.Now()
	r.mu.Unlock()
	return true
}

// busyChats returns the chats with a call in flight, the chats whose pace
// is used up (they must not get a message now), and when the first of the
// paced ones frees up.
func (r *botRun) busyChats(now time.Time) (map[int64]bool, []int64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	inflight := map[int64]bool{}
	var paced []int64
	var ready time.Time
	for id, c := range r.chats {
		rate := r.o.cfg.ChatRate
		if id < 0 {
			rate = r.o.cfg.GroupRate
		}
		c.tokens = min(r.o.cfg.ChatBurst, c.tokens+now.Sub(c.last).Seconds()*rate)
		c.last = now
		switch {
		case c.inflight:
			inflight[id] = true
		case c.tokens < 1:
			paced = append(paced, id)
			at := now.Add(time.Duration((1 - c.tokens) / rate * float64(time.Second)))
			if ready.IsZero() || at.Before(ready) {
				ready = at
			}
		case c.tokens >= r.o.cfg.ChatBurst:
			delete(r.chats, id) // rested: forget it
		}
	}
	return inflight, paced, ready
}

func (r *botRun) took(m *models.OutboxMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.chats[m.ChatID]
	if c == nil {
		c = &chatPace{tokens: r.o.cfg.ChatBurst, last: time.Now()}
		r.chats[m.ChatID] = c
	}
	c.inflight = true
	if isChatMessage(m.Method) {
		c.tokens--
	}
}

// done ends a call. The dispatcher is poked only when it waits for a busy
// chat: a look per finished call would cost two queries per message.
func (r *botRun) done(m *models.OutboxMessage) {
	r.mu.Lock()
	if c := r.chats[m.ChatID]; c != nil {
		c.inflight = false
	}
	r.finished++
	poke := r.chatWait
	r.mu.Unlock()
	if poke {
		r.poke(false)
	}
}

func (r *botRun) inflight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.chats {
		if c.inflight {
			n++
		}
	}
	return n
}

// send makes the call of a claimed message and records the outcome. From
// the claim on it runs to the end even if ctx ends, so a stop never leaves
// a message in doubt (a hard crash does; see doc.go).
func (r *botRun) send(ctx context.Context, m *models.OutboxMessage) {
	defer r.done(m)
	dctx := context.WithoutCancel(ctx)
	r.mu.Lock()
	token, bot := r.token, r.bot
	r.mu.Unlock()
	if m.ExpiresAt != nil && time.Now().After(*m.ExpiresAt) {
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: TooLate})
		return
	}
	var params map[string]any
	if err := json.Unmarshal([]byte(m.Params), &params); err != nil {
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: "unreadable parameters: " + err.Error()})
		return
	}
	sctx, cancel := context.WithTimeout(dctx, r.o.cfg.SendTimeout)
	result, err := r.call(sctx, token, m, params)
	cancel()
	now := models.Now()
	switch classify(err) {
	case outcomeSent:
		r.rememberFile(dctx, m, result) // first: observers (the conversation record) read the file id
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxSent, MessageID: messageID(result), At: now})
	case outcomeFlood:
		wait, _ := telegram.RetryAfter(err)
		wait = max(wait, time.Second)
		r.gate.Hold(time.Now().Add(wait))
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxQueued, NotBefore: now.Add(wait), Uncount: true, Error: describe(err)})
		r.throttledLog(dctx, "flood", models.LogInfo, fmt.Sprintf("Telegram asked to slow down: waiting %s before sending again.", wait), err)
	case outcomeBlocked:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		if m.ChatID > 0 {
			if err := models.SetBotBlocked(dctx, r.o.db, r.botID, m.ChatID, true, now); err != nil {
				r.o.log.WarnContext(dctx, "outbox: mark user bot-blocked", "bot", r.botID, "err", err)
			}
		}
	case outcomeUnauthorized:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		if bot != nil {
			r.o.bots.NoteTelegramError(dctx, bot, err)
		}
		r.mu.Lock()
		r.loaded = time.Time{} // read the bot again: it is in error now
		r.mu.Unlock()
	case outcomeRetry:
		if m.Attempts >= r.o.cfg.MaxAttempts {
			r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
			r.writeLog(dctx, models.LogError, fmt.Sprintf("A message (%s) to chat %d failed after %d attempts.", m.Origin, m.ChatID, m.Attempts), describe(err))
			return
		}
		d := min(r.o.cfg.Backoff<<min(m.Attempts-1, 16), r.o.cfg.MaxBackoff)
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxQueued, NotBefore: now.Add(d), Error: describe(err)})
	case outcomeUnknown:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxUnconfirmed,
			Error: "No answer from Telegram (" + describe(err) + "); the message may have arrived, so it is not sent again."})
		r.writeLog(dctx, models.LogError, fmt.Sprintf("No answer from Telegram to a message (%s) for chat %d: it may or may not have arrived, "+
			"so it is not sent again.", m.Origin, m.ChatID), describe(err))
	default:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		r.throttledLog(dctx, "refused:"+m.Origin, models.LogError, fmt.Sprintf("Telegram refused a message (%s) to chat %d.", m.Origin, m.ChatID), err)
	}
}

// call makes the Bot API call, attaching the upload by file_id or, the
// first time for this bot, as bytes.
func (r *botRun) call(ctx context.Context, token string, m *models.OutboxMessage, params map[string]any) (json.RawMessage, error) {
	if m.UploadID == "" {
		return r.o.tg.Call(ctx, token, m.Method, params)
	}
	if r.o.files == nil {
		return nil, &telegram.Error{Method: m.Method, Code: 400, Description: "Bad Request: uploads are not available"}
	}
	fileID, up, err := r.o.files.File(ctx, m.UploadID, r.botID)
	if err != nil {
		return nil, &telegram.Error{Method: m.Method, Code: 400, Description: "Bad Request: the attached file is gone: " + err.Error()}
	}
	if fileID != "" {
		params[m.UploadField] = fileID
		return r.o.tg.Call(ctx, token, m.Method, params)
	}
	up.Field = m.UploadField
	return r.o.tg.CallWithUpload(ctx, token, m.Method, params, up)
}

// rememberFile keeps the file_id Telegram gave a first upload.
func (r *botRun) rememberFile(ctx context.Context, m *models.OutboxMessage, result json.RawMessage) {
	if m.UploadID == "" || r.o.files == nil {
		return
	}
	if id := fileIDOf(result, m.UploadField); id != "" {
		if err := r.o.files.Remember(ctx, m.UploadID, r.botID, id); err != nil {
			r.o.log.WarnContext(ctx, "outbox: remember file id", "bot", r.botID, "err", err)
		}
	}
}

// finish records how a claimed message ended. A final outcome goes to the
// recorder, which writes it with others in one transaction; a message
// queued again (a 429, a retry) is written at once, before its chat may
// take another message, so the chat's messages keep their order.
func (r *botRun) finish(ctx context.Context, m *models.OutboxMessage, o models.OutboxOutcome) {
	if o.Status != models.OutboxQueued {
		r.o.records.add(ctx, outcomeRecord{run: r, m: m, out: o})
		return
	}
	err := persist(ctx, func(ctx context.Context) error {
		_, err := models.FinishOutbox(ctx, r.o.db, m.ID, r.epoch, o, models.Now())
		return err
	})
	if err != nil {
		// The row stays "sending": the next lease holder counts it
		// unconfirmed. Nothing is sent twice.
		r.o.log.ErrorContext(ctx, "outbox: record outcome", "bot", r.botID, "message", m.ID, "status", o.Status, "err", err)
		return
	}
	// The dispatcher may be waiting for a wake-up: give it one when the
	// message comes due again.
	time.AfterFunc(max(time.Until(o.NotBefore), 0), func() { r.poke(false) })
}

// persist runs a write, retrying a few times: an outcome that is not
// written leaves its message in doubt.
func persist(ctx context.Context, write func(context.Context) error) error {
	var err error
	for try := range 3 {
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = write(wctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

func (r *botRun) writeLog(ctx context.Context, level, msg, detail string) {
	if err := models.InsertLogs(ctx, r.o.db, &models.BotLog{BotID: r.botID, Level: level, Source: models.SourceTelegram,
		Message: msg, Detail: detail}); err != nil {
		r.o.log.WarnContext(ctx, "outbox: write bot log", "bot", r.botID, "err", err)
	}
}

// throttledLog writes at most one entry per key a minute.
func (r *botRun) throttledLog(ctx context.Context, key, level, msg string, err error) {
	r.mu.Lock()
	last, seen := r.logged[key]
	if seen && time.Since(last) < time.Minute {
		r.mu.Unlock()
		return
	}
	r.logged[key] = time.Now()
	r.mu.Unlock()
	r.writeLog(ctx, level, msg, describe(err))
}

// messageID reads message_id from a call's result (0 for results that are
// no message, such as answerCallbackQuery's true).
func messageID(result json.RawMessage) int64 {
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if len(result) == 0 || result[0] != '{' || json.Unmarshal(result, &m) != nil {
		return 0
	}
	return m.MessageID
}

// fileIDOf reads the file_id of what a sendPhoto (largest size) or
// sendDocument returned.
func fileIDOf(result json.RawMessage, field string) string {
	var m struct {
		Photo []struct {
			FileID string `json:"file_id"`
		} `json:"photo"`
		Document *struct {
			FileID string `json:"file_id"`
		} `json:"document"`
	}
	if json.Unmarshal(result, &m) != nil {
		return ""
	}
	if field == "photo" && len(m.Photo) > 0 {
		return m.Photo[len(m.Photo)-1].FileID
	}
	if m.Document != nil {
		return m.Document.FileID
	}
	return ""
}
