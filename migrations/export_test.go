package migrations

// BackfillSearchKeys lets the external tests run the backfill again.
var BackfillSearchKeys = backfillSearchKeys
