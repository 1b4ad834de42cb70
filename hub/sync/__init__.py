"""The one-way sync: pull channels into the ledger, push tickets to SP4N-LAPOR! exactly once."""
