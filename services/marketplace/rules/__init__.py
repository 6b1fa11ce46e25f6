"""The marketplace's pure rules: no database, no Flask, no broker (commission, VAT, statements, prices,
periods, order statuses, reconciliation, image acceptance)."""
