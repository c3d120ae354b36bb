package migrations

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

func init() {
	// Workspaces: bots, their uploads, API keys and everything under them
	// belong to a workspace, which people join with a role (owner, admin,
	// editor, support, viewer). Until now each account owned its objects;
	// every account becomes the owner of one workspace of its own and every
	// owner column (bots.owner_id, uploads.owner_id, events.scope, and the
	// new api_keys.workspace_id) is rewritten to that workspace's id, so
	// nothing is lost and nothing changes hands.
	//
	// Invites are single-use links stored by the SHA-256 of their token.
	// audit_log is who did what in a workspace (state-changing requests and
	// sign-ins), newest last by id.
	All.MustRegister(
		steps(
			sqlSteps(
				`CREATE TABLE workspaces (
					id TEXT PRIMARY KEY,
					name TEXT NOT NULL,
					created_at TIMESTAMP_T NOT NULL
				)`,
				`CREATE TABLE workspace_members (
					workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
					user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
					role TEXT NOT NULL,
					joined_at TIMESTAMP_T NOT NULL,
					PRIMARY KEY (workspace_id, user_id)
				)`,
				`CREATE INDEX workspace_members_user_idx ON workspace_members (user_id, joined_at)`,
				`CREATE TABLE workspace_invites (
					id TEXT PRIMARY KEY,
					workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
					token_hash TEXT NOT NULL,
					role TEXT NOT NULL,
					email TEXT NOT NULL DEFAULT '',
					created_by TEXT NOT NULL DEFAULT '',
					created_at TIMESTAMP_T NOT NULL,
					expires_at TIMESTAMP_T NOT NULL,
					used_at TIMESTAMP_T,
					used_by TEXT NOT NULL DEFAULT ''
				)`,
				`CREATE UNIQUE INDEX workspace_invites_token_key ON workspace_invites (token_hash)`,
				`CREATE INDEX workspace_invites_workspace_idx ON workspace_invites (workspace_id, created_at)`,
				`CREATE TABLE audit_log (
					id BIGSERIAL_T,
					workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
					user_id TEXT NOT NULL,
					action TEXT NOT NULL,
					target TEXT NOT NULL DEFAULT '',
					bot_id TEXT NOT NULL DEFAULT '',
					at TIMESTAMP_T NOT NULL
				)`,
				`CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id)`,
				`CREATE INDEX audit_log_member_idx ON audit_log (workspace_id, user_id, id)`,
				`CREATE INDEX audit_log_bot_idx ON audit_log (workspace_id, bot_id, id)`,
				`ALTER TABLE api_keys ADD COLUMN workspace_id TEXT NOT NULL DEFAULT ''`,
				`CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, user_id)`,
			),
			createPersonalWorkspaces,
			retargetOwners("users", "workspaces"),
			func(ctx context.Context, db *bun.DB) error {
				return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					for _, s := range []string{
						`UPDATE bots SET owner_id = (SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = bots.owner_id)`,
						`UPDATE uploads SET owner_id = (SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = uploads.owner_id)`,
						`UPDATE api_keys SET workspace_id = (SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = api_keys.user_id)`,
						`UPDATE events SET scope = COALESCE((SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = events.scope), scope)`,
					} {
						if _, err := tx.ExecContext(ctx, s); err != nil {
							return fmt.Errorf("%w\nin: %s", err, s)
						}
					}
					return nil
				})
			},
			validateOwners,
		),
		steps(
			// Back to one owner account per object: each workspace's objects
			// go to its (first) owner.
			func(ctx context.Context, db *bun.DB) error {
				return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					owner := func(col string) string {
						return `(SELECT m.user_id FROM workspace_members m WHERE m.workspace_id = ` + col +
							` AND m.role = 'owner' ORDER BY m.joined_at LIMIT 1)`
					}
					for _, s := range []string{
						`DELETE FROM bots WHERE ` + owner("bots.owner_id") + ` IS NULL`,
						`DELETE FROM uploads WHERE ` + owner("uploads.owner_id") + ` IS NULL`,
					} {
						if _, err := tx.ExecContext(ctx, s); err != nil {
							return err
						}
					}
					return nil
				})
			},
			retargetOwners("workspaces", "users"),
			func(ctx context.Context, db *bun.DB) error {
				return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					owner := func(col string) string {
						return `(SELECT m.user_id FROM workspace_members m WHERE m.workspace_id = ` + col +
							` AND m.role = 'owner' ORDER BY m.joined_at LIMIT 1)`
					}
					for _, s := range []string{
						`UPDATE bots SET owner_id = ` + owner("bots.owner_id"),
						`UPDATE uploads SET owner_id = ` + owner("uploads.owner_id"),
						`UPDATE events SET scope = COALESCE(` + owner("events.scope") + `, scope)`,
					} {
						if _, err := tx.ExecContext(ctx, s); err != nil {
							return err
						}
					}
					return nil
				})
			},
			validateOwners,
			sqlSteps(
				`DROP INDEX api_keys_workspace_idx`,
				`ALTER TABLE api_keys DROP COLUMN workspace_id`,
				`DROP TABLE audit_log`,
				`DROP TABLE workspace_invites`,
				`DROP TABLE workspace_members`,
				`DROP TABLE workspaces`,
			),
		),
	)
}

// validateOwners checks the retargeted constraints on PostgreSQL (SQLite
// checks foreign keys row by row only).
var validateOwners = pgOnly(
	`ALTER TABLE bots VALIDATE CONSTRAINT bots_owner_id_fkey`,
	`ALTER TABLE uploads VALIDATE CONSTRAINT uploads_owner_id_fkey`,
)

// createPersonalWorkspaces gives every account a workspace of its own,
// named after it, with the account as owner.
func createPersonalWorkspaces(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		type user struct {
			ID, Email, Name string
			CreatedAt       time.Time
		}
		var users []user
		rows, err := tx.QueryContext(ctx, `SELECT id, email, name, created_at FROM users ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u user
			if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, u := range users {
			id := "ws_" + workspaceIDEncoding.EncodeToString(randomBytes(15))
			name := u.Name
			if name == "" {
				name = u.Email
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`,
				id, name+"'s workspace", u.CreatedAt); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)`,
				id, u.ID, u.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	})
}

// workspaceIDEncoding is the alphabet of models.NewID (migrations never
// import models).
var workspaceIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}

// ownerTables are the tables whose owner_id names the owning account (before)
// or workspace (after).
var ownerTables = []string{"bots", "uploads"}

// retargetOwners points the owner_id foreign keys of ownerTables from one
// parent table to another. PostgreSQL drops and adds the constraint;
// SQLite cannot alter a constraint, but a foreign key's target is only
// schema text (the stored rows do not change), so it rewrites the
// CREATE TABLE text in sqlite_schema and bumps the schema version, the
// procedure SQLite's documentation gives for changing constraints
// (https://www.sqlite.org/lang_altertable.html#otheralter). Values are
// rewritten afterwards, by the caller.
func retargetOwners(from, to string) func(ctx context.Context, db *bun.DB) error {
	return func(ctx context.Context, db *bun.DB) error {
		if sqldialect.IsPostgres(db) {
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				for _, t := range ownerTables {
					if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t+` DROP CONSTRAINT `+t+`_owner_id_fkey`); err != nil {
						return err
					}
					// NOT VALID: the rows still hold the old ids until the
					// caller rewrites them (checked as they change), then
					// validateOwners checks the whole table.
					if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t+` ADD CONSTRAINT `+t+`_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES `+
						to+` (id) ON DELETE CASCADE NOT VALID`); err != nil {
						return err
					}
				}
				return nil
			})
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
		var version int64
		if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA writable_schema = ON`); err != nil {
			return err
		}
		for _, t := range ownerTables {
			var sql string
			if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, t).Scan(&sql); err != nil {
				return err
			}
			old := `owner_id TEXT NOT NULL REFERENCES ` + from + ` (id)`
			if strings.Count(sql, old) != 1 {
				return fmt.Errorf("retarget %s.owner_id: %q not found once in its schema", t, old)
			}
			sql = strings.Replace(sql, old, `owner_id TEXT NOT NULL REFERENCES `+to+` (id)`, 1)
			if _, err := tx.ExecContext(ctx, `UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?`, sql, t); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA schema_version = %d`, version+1)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA writable_schema = OFF`); err != nil {
			return err
		}
		return tx.Commit()
	}
}
