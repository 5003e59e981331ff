// Opaque key blobs (placeholder; filled in by the opaque-blob work).
