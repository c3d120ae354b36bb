package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// listen wakes the senders of this instance when any instance queues a
// message (PostgreSQL's NOTIFY, delivered at commit), until ctx ends.
func (o *Outbox) listen(ctx context.Context) {
	var lastLogged time.Time
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			cfg, err := pgx.ParseConfig(o.dbURL)
			if err != nil {
				return nil, fmt.Errorf("outbox: listener: %w", err)
			}
			cfg.RuntimeParams["application_name"] = o.channel
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil && time.Since(lastLogged) > time.Minute {
				lastLogged = time.Now()
				o.log.WarnContext(ctx, "outbox: listener lost its connection; reconnecting", "err", err)
			}
		},
		ReconnectDelay: 2 * time.Second,
	}
	l.Handle(o.channel, wakeHandler{o})
	l.Listen(ctx) //nolint:errcheck // returns only when ctx ends
}

type wakeHandler struct{ o *Outbox }

func (h wakeHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	h.o.Wake(n.Payload)
	return nil
}

func (h wakeHandler) HandleBacklog(context.Context, string, *pgx.Conn) error { return nil }
