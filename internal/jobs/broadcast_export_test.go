package jobs

// Test seams for the crash tests (package jobs_test).

// CrashBeforeSend makes the sender die — stop writing anything, leave its
// leases to expire, like a killed process — when f returns true, after a
// recipient was claimed and before its message goes to Telegram.
func (b *Broadcaster) CrashBeforeSend(f func(broadcastID string, userID int64) bool) {
	b.beforeSend = f
}

// CrashAfterSend makes the sender die after Telegram answered and before
// the answer is recorded: the worst moment.
func (b *Broadcaster) CrashAfterSend(f func(broadcastID string, userID int64) bool) { b.afterSend = f }

// Dead reports whether a crash hook fired.
func (b *Broadcaster) Dead() bool { return b.dead.Load() }
