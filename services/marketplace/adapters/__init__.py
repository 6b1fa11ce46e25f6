"""Outside systems the marketplace talks to, and their stand-ins: the card processor, its ledger, the image store."""
