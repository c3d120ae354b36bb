package events

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// listen keeps one connection of this instance LISTENing on the bus's
// channel until Close, and wakes the reader on every notification. When
// the connection is lost (PostgreSQL restarted, a proxy dropped it) it
// connects again after Config.ListenReconnect, LISTENs, and wakes the
// reader, which catches up from the table: nothing published meanwhile is
// lost.
func (b *Bus) listen() {
	var lastLogged time.Time // LogError runs on this goroutine only
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			cfg, err := pgx.ParseConfig(b.dbURL)
			if err != nil {
				return nil, fmt.Errorf("events: listener: %w", err)
			}
			// Names the connection in pg_stat_activity.
			cfg.RuntimeParams["application_name"] = b.channel
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			// While PostgreSQL is down this repeats every ListenReconnect:
			// once a minute in the log is enough.
			if ctx.Err() == nil && time.Since(lastLogged) > time.Minute {
				lastLogged = time.Now()
				b.log.WarnContext(ctx, "events: listener lost its connection; reconnecting", "err", err)
			}
		},
		ReconnectDelay: b.cfg.ListenReconnect,
	}
	l.Handle(b.channel, wakeHandler{b})
	l.Listen(b.ctx) //nolint:errcheck // returns only when the bus closes
}

// wakeHandler wakes the reader for each notification, and once after
// every (re)connection to catch up on what was published meanwhile.
type wakeHandler struct{ b *Bus }

func (h wakeHandler) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	h.b.poke()
	return nil
}

func (h wakeHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.b.poke()
	return nil
}
