"""Exchange formats: claims CSV, the lossless package, ClaimReview JSON-LD (no Qt)."""
