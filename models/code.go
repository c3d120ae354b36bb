package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// CodeVersionsKept is how many versions of a bot's code are kept; older
// ones are pruned when a version is added.
const CodeVersionsKept = 50

// CodeVersion is one saved version of a bot's JavaScript. Versions are
// append-only: restoring saves the old source again as a new version.
type CodeVersion struct {
	bun.BaseModel `bun:"table:bot_code_versions"`

	BotID        string    `bun:"bot_id,pk"`
	Version      int       `bun:"version,pk"`
	Source       string    `bun:"source"`
	Handlers     []string  `bun:"handlers"`
	Size         int       `bun:"size"`
	RestoredFrom *int      `bun:"restored_from"`
	CreatedBy    string    `bun:"created_by"`
	CreatedAt    time.Time `bun:"created_at"`
}

// AddCodeVersion saves v as the bot's new current version, numbering it
// after the current one, and prunes versions beyond CodeVersionsKept. With
// base set, it saves only if the current version is still *base; ok is
// false otherwise. Run it in a transaction.
func AddCodeVersion(ctx context.Context, db bun.IDB, v *CodeVersion, base *int) (ok bool, err error) {
	q := db.NewUpdate().Model((*Bot)(nil)).Set("code_version = code_version + 1").
		Set("code_updated_at = ?", v.CreatedAt).Set("updated_at = ?", v.CreatedAt).Where("id = ?", v.BotID)
	if base != nil {
		q = q.Where("code_version = ?", *base)
	}
	var versions []int
	if _, err := q.Returning("code_version").Exec(ctx, &versions); err != nil {
		return false, wrap("add code version", err)
	}
	if len(versions) == 0 {
		return false, nil
	}
	v.Version = versions[0]
	if v.Handlers == nil {
		v.Handlers = []string{}
	}
	v.Size = len(v.Source)
	if _, err := db.NewInsert().Model(v).Exec(ctx); err != nil {
		return false, wrap("add code version", err)
	}
	_, err = db.NewDelete().Model((*CodeVersion)(nil)).Where("bot_id = ?", v.BotID).
		Where("version <= ?", v.Version-CodeVersionsKept).Exec(ctx)
	return err == nil, wrap("add code version", err)
}

// CodeVersionByNumber returns one version of a bot's code.
func CodeVersionByNumber(ctx context.Context, db bun.IDB, botID string, version int) (*CodeVersion, error) {
	v := new(CodeVersion)
	err := db.NewSelect().Model(v).Where("bot_id = ?", botID).Where("version = ?", version).Scan(ctx)
	return v, wrap("code version by number", notFoundAs(err, "version"))
}

// ListCodeVersions returns the window w of a bot's versions, newest first,
// without their sources, and how many are kept.
func ListCodeVersions(ctx context.Context, db bun.IDB, botID string, w Window) ([]CodeVersion, int, error) {
	versions := []CodeVersion{}
	total, err := db.NewSelect().Model(&versions).ExcludeColumn("source").Where("bot_id = ?", botID).
		Order("version DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx)
	return versions, int(total), wrap("list code versions", err)
}

// BotCodeVersion reads a bot's current code version and status.
func BotCodeVersion(ctx context.Context, db bun.IDB, botID string) (version int, status string, err error) {
	var b Bot
	err = db.NewSelect().Model(&b).Column("code_version", "status").Where("id = ?", botID).Scan(ctx)
	return b.CodeVersion, b.Status, wrap("bot code version", notFoundAs(err, "bot"))
}
