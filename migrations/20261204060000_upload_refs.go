package migrations

func init() {
	// Where upload ids are stored besides replies' spec (JSON): the
	// outbox (a message to send with a stored file: the dashboard
	// composer's, a broadcast's) and broadcasts' photo and document.
	// Partial indexes on them let the uploads cleanup
	// (models.PruneUnusedUploads) check an upload is unused by lookups
	// instead of scanning the outbox.
	All.MustRegister(
		sqlSteps(
			`CREATE INDEX outbox_upload_idx ON outbox (upload_id) WHERE upload_id <> ''`,
			`CREATE INDEX broadcasts_photo_idx ON broadcasts (photo) WHERE photo <> ''`,
			`CREATE INDEX broadcasts_document_idx ON broadcasts (document) WHERE document <> ''`,
		),
		sqlSteps(
			`DROP INDEX broadcasts_document_idx`,
			`DROP INDEX broadcasts_photo_idx`,
			`DROP INDEX outbox_upload_idx`,
		),
	)
}
