"""core jobs package."""
