"""Qt widgets that adapt the core; no business rules live here."""
