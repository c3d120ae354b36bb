// Package jobs holds Botdeck's background workers: long polling, retention,
// broadcast senders and campaign greeters. Every worker keeps its state in the
// database — checkpoints, leases with an owner and an expiry — so a
// restart continues where it stopped and two instances never do the same
// work.
package jobs

import "github.com/botdeck/botdeck/models"

// NewInstanceID names this process in leases.
func NewInstanceID() string { return "inst_" + models.RandomString(8) }
