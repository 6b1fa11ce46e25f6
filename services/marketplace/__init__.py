"""The marketplace: member businesses list goods and services, customers browse, buy and pay by card, the
co-op takes its commission and pays its sellers out (see docs/design.md for the layout of this folder)."""
