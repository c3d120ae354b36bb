package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Lead statuses and how a lead came.
const (
	LeadPending = "pending" // asked to join (join-request campaigns), not in yet
	LeadJoined  = "joined"
	LeadLeft    = "left"

	ViaInviteLink  = "invite_link"
	ViaJoinRequest = "join_request"
)

// CampaignLead is one person who came through a campaign.
type CampaignLead struct {
	bun.BaseModel `bun:"table:campaign_leads"`

	CampaignID    string     `bun:"campaign_id,pk"`
	UserID        int64      `bun:"user_id,pk"`
	Username      string     `bun:"username"`
	Name          string     `bun:"name"`
	Status        string     `bun:"status"`
	Via           string     `bun:"via"`
	RequestedAt   *time.Time `bun:"requested_at"`
	JoinedAt      *time.Time `bun:"joined_at"`
	LeftAt        *time.Time `bun:"left_at"`
	GreetedAt     *time.Time `bun:"greeted_at"`
	GreetingError string     `bun:"greeting_error"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// LeadOf returns a campaign's lead for a user, or nil.
func LeadOf(ctx context.Context, db bun.IDB, campaignID string, userID int64) (*CampaignLead, error) {
	l := new(CampaignLead)
	err := db.NewSelect().Model(l).Where("campaign_id = ?", campaignID).Where("user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return l, wrap("lead of", err)
}

// SaveLead inserts or replaces a lead.
func SaveLead(ctx context.Context, db bun.IDB, l *CampaignLead) error {
	_, err := db.NewInsert().Model(l).On("CONFLICT (campaign_id, user_id) DO UPDATE").
		Set("username = EXCLUDED.username").Set("name = EXCLUDED.name").Set("status = EXCLUDED.status").
		Set("via = EXCLUDED.via").Set("requested_at = EXCLUDED.requested_at").Set("joined_at = EXCLUDED.joined_at").
		Set("left_at = EXCLUDED.left_at").Set("greeted_at = EXCLUDED.greeted_at").
		Set("greeting_error = EXCLUDED.greeting_error").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap("save lead", err)
}

// SetLeadGreeting records the outcome of a greeting: greetedAt only when
// Telegram accepted the message.
func SetLeadGreeting(ctx context.Context, db bun.IDB, campaignID string, userID int64, greetedAt *time.Time, errText string) error {
	_, err := db.NewUpdate().Model((*CampaignLead)(nil)).Set("greeted_at = ?", greetedAt).Set("greeting_error = ?", clip(errText, 500)).
		Where("campaign_id = ?", campaignID).Where("user_id = ?", userID).Exec(ctx)
	return wrap("set lead greeting", err)
}

// ListLeads returns the window w of a campaign's leads in status ("" for
// any), most recent first, and the total matching.
func ListLeads(ctx context.Context, db bun.IDB, campaignID, status string, w Window) ([]CampaignLead, int, error) {
	q := db.NewSelect().Model((*CampaignLead)(nil)).Where("campaign_id = ?", campaignID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var out []CampaignLead
	total, err := q.Order("updated_at DESC", "user_id").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx, &out)
	return out, int(total), wrap("list leads", err)
}

// EachLead streams a campaign's leads (for CSV export) in user order, in
// chunks, calling fn for each.
func EachLead(ctx context.Context, db bun.IDB, campaignID, status string, fn func(*CampaignLead) error) error {
	var after int64 = -1 << 62
	for {
		var chunk []CampaignLead
		q := db.NewSelect().Model(&chunk).Where("campaign_id = ?", campaignID).Where("user_id > ?", after).Order("user_id").Limit(1000)
		if status != "" {
			q = q.Where("status = ?", status)
		}
		if err := q.Scan(ctx); err != nil {
			return wrap("each lead", err)
		}
		for i := range chunk {
			if err := fn(&chunk[i]); err != nil {
				return wrap("each lead", err)
			}
		}
		if len(chunk) < 1000 {
			return nil
		}
		after = chunk[len(chunk)-1].UserID
	}
}

// LeadStats counts a campaign's leads: joined via a request, and requests.
type LeadStats struct {
	Pending       int64
	Joined        int64
	Left          int64
	JoinedViaReq  int64 // leads that asked, then got in (still in or since left)
	TotalRequests int64
}

// CampaignLeadStats summarises a campaign's leads.
func CampaignLeadStats(ctx context.Context, db bun.IDB, campaignID string) (LeadStats, error) {
	var rows []struct {
		Status string `bun:"status"`
		Via    string `bun:"via"`
		N      int64  `bun:"n"`
	}
	err := db.NewSelect().Model((*CampaignLead)(nil)).Column("status", "via").ColumnExpr("count(*) AS n").
		Where("campaign_id = ?", campaignID).Group("status", "via").Scan(ctx, &rows)
	var s LeadStats
	for _, r := range rows {
		switch r.Status {
		case LeadPending:
			s.Pending += r.N
		case LeadJoined:
			s.Joined += r.N
		case LeadLeft:
			s.Left += r.N
		}
		if r.Via == ViaJoinRequest {
			s.TotalRequests += r.N
			if r.Status != LeadPending {
				s.JoinedViaReq += r.N
			}
		}
	}
	return s, wrap("campaign lead stats", err)
}
