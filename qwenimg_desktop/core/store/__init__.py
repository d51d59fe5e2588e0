"""core store package."""
